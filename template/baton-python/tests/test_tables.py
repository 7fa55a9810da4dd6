"""read_table: numeric features, labels as whole numbers or text, and errors that name the field."""

import pytest

from baton_step import StepInputError
from baton_ml.tables import read_table


def _csv(tmp_path, text):
    path = tmp_path / "data.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_whole_number_labels_become_integers(tmp_path):
    x, y = read_table(_csv(tmp_path, "a,b,target\n1.5,2,0\n3,4.25,1\n"), ["b", "a"], "target", "dataset.data")
    assert x.tolist() == [[2.0, 1.5], [4.25, 3.0]]
    assert y.dtype.kind == "i" and y.tolist() == [0, 1]


def test_text_labels_stay_text(tmp_path):
    _, y = read_table(_csv(tmp_path, 'a,species\n1,setosa\n2,"vir,ginica"\n'), ["a"], "species", "dataset.data")
    assert y.tolist() == ["setosa", "vir,ginica"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,target\n1,0.5\n", "class labels"),
        ("a,target\n1,\n", "missing labels"),
        ("a,target\nx,1\n", "non-numeric or missing"),
        ("a,target\n,1\n", "non-numeric or missing"),
        ("b,target\n1,1\n", "not in the CSV header"),
    ],
)
def test_bad_tables_name_the_field(tmp_path, text, message):
    with pytest.raises(StepInputError) as caught:
        read_table(_csv(tmp_path, text), ["a"], "target", "dataset.data")
    assert message in caught.value.message
    assert caught.value.issues[0]["path"] == "dataset.data"
