"""Entry of a Python step function (the template's fprocess: ``python3 index.py``).

of-watchdog (mode=http) forwards each request to the port this listens on (``http_port``).
The author's code is ``<BATON_HANDLER_DIR>/handler.py`` with ``handle(input, ctx)``.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from types import ModuleType
from typing import Callable

import waitress

from baton_step.app import create_app
from baton_step.config import WrapperConfig
from baton_step.envelope import load_validator
from baton_step.errors import ConfigError
from baton_step.handler_loader import load_handler
from baton_step.parent_watch import watch_parent
from baton_step.s3_backend import SharedStore
from baton_step.secrets import SecretReader
from baton_step.signature import read_step_key
from baton_step.step_schema import STEP_SCHEMA_FILE, load_step_schema
from baton_step.tracing import shutdown_tracing, start_tracing


# How long the handler's on_stop() may take: the watchdog kills the process 10 s after its SIGTERM (kubelet: 30 s).
STOP_BUDGET_SECONDS = 8.0


def _stopper(handler: ModuleType) -> Callable[[int, object], None]:
    """The SIGTERM handler: the handler module's ``on_stop(budget_seconds)`` (e.g. predict flushes its inference log),
    then the spans still in the buffer, then exit. The default SIGTERM would kill at once and lose both."""

    def stop(_signum: int, _frame: object) -> None:
        on_stop = getattr(handler, "on_stop", None)
        if callable(on_stop):
            try:
                on_stop(STOP_BUDGET_SECONDS)
            except Exception as error:  # noqa: BLE001 - a failed flush must not keep the process alive
                print(f"on_stop failed: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
        shutdown_tracing()
        sys.exit(0)

    return stop


def main() -> int:
    """Reads the configuration once, loads the handler, serves until stopped."""
    started = time.monotonic()
    env = dict(os.environ)
    try:
        config = WrapperConfig.from_env(env)
        handler = load_handler(config.handler_dir)
        input_schema = load_step_schema(config.handler_dir)
        if input_schema is None:
            # Without it no input would be checked: the handler would see whatever a caller sent.
            raise ConfigError(f"no {STEP_SCHEMA_FILE} in {config.handler_dir}: declare the step in workflows/steps/ and run `npm run gen:contract`")
    except ConfigError as error:
        print(f"{os.path.basename(__file__)}: {error}", file=sys.stderr, flush=True)
        return 2
    secrets = SecretReader(config.secrets_dir)
    try:
        # A missing or short key stops the function here, naming the secret: it could verify no call.
        function_name, step_key = read_step_key(secrets, env.get("BATON_FUNCTION"))
    except ConfigError as error:
        print(f"{os.path.basename(__file__)}: {error}", file=sys.stderr, flush=True)
        return 2
    try:
        # Up before the first call when an OTLP endpoint is set; nothing is loaded otherwise.
        start_tracing(function_name, env)
        app = create_app(handler, load_validator(), secrets, SharedStore(env, secrets), function_name, config.progress_interval,
                         step_key=step_key, input_schema=input_schema)
    except ConfigError as error:
        print(f"{os.path.basename(__file__)}: {error}", file=sys.stderr, flush=True)
        return 2
    signal.signal(signal.SIGTERM, _stopper(handler))
    watch_parent()
    print(
        f"{function_name}: listening on 127.0.0.1:{config.http_port} "
        f"(threads={config.threads}, ready in {time.monotonic() - started:.2f}s)",
        file=sys.stderr,
        flush=True,
    )
    # Loopback only: the watchdog in front is the function's one door.
    waitress.serve(app, host="127.0.0.1", port=config.http_port, threads=config.threads, ident=None, _quiet=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
