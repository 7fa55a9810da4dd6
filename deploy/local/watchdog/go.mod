module baton/watchdog

go 1.22
