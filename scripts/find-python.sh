#!/bin/sh
# Print the path of the newest Python >= 3.12 on this machine, or explain what
# to install and fail. Candidates on PATH are *run*, not just found: a pyenv
# shim exists for every installed version but only works for the selected one,
# so the interpreters under $PYENV_ROOT/versions are tried directly as well.
set -u
candidates=""
for v in 3.14 3.13 3.12; do
    candidates="$candidates python$v"
    for d in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/$v*/bin; do
        [ -x "$d/python$v" ] && candidates="$candidates $d/python$v"
    done
    candidates="$candidates /usr/local/bin/python$v /usr/bin/python$v"
done
candidates="$candidates python3"
for c in $candidates; do
    if "$c" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
        "$c" -c 'import sys; print(sys.executable)'
        exit 0
    fi
done
echo "Gongzhi needs Python 3.12 or newer (Django 6), and none was found." >&2
echo "Install one, e.g. 'apt-get install python3.13 python3.13-venv' or 'pyenv install 3.13', then run make again." >&2
exit 1
