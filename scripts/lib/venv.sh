# Shared by scripts/test and scripts/demo: find Python 3.13+, create .venv,
# and keep it in step with requirements_test.txt.

find_python() {
    local candidate
    if PYENV_VERSION=3.13.0 python3.13 -c 'import sys' >/dev/null 2>&1; then
        echo "env PYENV_VERSION=3.13.0 python3.13"
        return
    fi
    for candidate in python3.13 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 13))' 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
    echo "No Python 3.13+ found (tried pyenv 3.13.0, python3.13, python3)" >&2
    return 1
}

ensure_venv() {
    local python stamp want
    if [[ ! -x .venv/bin/python ]]; then
        python=$(find_python)
        echo "==> creating .venv with $python" >&2
        $python -m venv .venv
    fi
    stamp=.venv/.requirements.sha256
    want=$(sha256sum requirements_test.txt | cut -d' ' -f1)
    if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
        echo "==> installing requirements_test.txt into .venv" >&2
        .venv/bin/python -m pip install --quiet --upgrade pip >&2
        .venv/bin/python -m pip install --quiet -r requirements_test.txt >&2
        echo "$want" >"$stamp"
    fi
}
