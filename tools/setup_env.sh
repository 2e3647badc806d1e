#!/usr/bin/env bash
# Set up what `make demo` and `make test` need, then return:
#   1. check that Odoo 19.0 is importable from $PYTHON (stop at once if not);
#   2. install the Python packages of the requirement files given as arguments,
#      and the OCA add-ons of requirements-oca.txt (queue_job) without deps;
#   3. start PostgreSQL (Debian's cluster; installed with apt when missing and
#      run as root) and create a superuser role for the current user.
# Usage: tools/setup_env.sh requirements-test.txt
# PGHOST / PGPORT are honoured: the local cluster started is the one on
# $PGPORT (default 5432, Debian's first cluster).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
me=$(id -un)

say() { echo "setup: $*"; }

# 1. Odoo 19.0, a prerequisite this repository never downloads
serie=$("$PYTHON" -c "import odoo.release; print(odoo.release.serie)" 2>/dev/null || true)
if [ "$serie" != "19.0" ]; then
  found=${serie:+Odoo $serie is installed there}
  cat >&2 <<EOF
setup: Odoo 19.0 is needed, and $PYTHON ($(command -v "$PYTHON" || echo "not found")) cannot import it${found:+ ($found)}.
  This repository is an Odoo add-on: provide Odoo 19.0 Community with its own
  Python requirements to the Python that runs it, for example from a source
  tree in /opt/odoo19:
      $PYTHON -m pip install -r /opt/odoo19/requirements.txt
      $PYTHON -m pip install -e /opt/odoo19
  or run with another Python that has it:  make demo PYTHON=/path/to/venv/bin/python
  Check: $PYTHON -c "import odoo.release; print(odoo.release.serie)"   must print 19.0
  (README.md, section "Requirements").
EOF
  exit 2
fi

# 2. Python packages (pip only reaches the index for what is missing)
for requirements in "$@"; do
  if ! PIP_ROOT_USER_ACTION=ignore "$PYTHON" -m pip install -q \
    --disable-pip-version-check -r "$requirements"; then
    say "could not install $requirements into $PYTHON; install it by hand:" >&2
    echo "      $PYTHON -m pip install -r $requirements" >&2
    exit 2
  fi
done

# 2b. OCA add-ons (queue_job), without their `odoo` requirement: Odoo is
# already there and must not be replaced from PyPI
if ! "$PYTHON" -c "import odoo.addons.queue_job" 2>/dev/null; then
  if ! PIP_ROOT_USER_ACTION=ignore "$PYTHON" -m pip install -q \
    --disable-pip-version-check --no-deps -r requirements-oca.txt; then
    say "could not install the OCA add-ons into $PYTHON; install them by hand:" >&2
    echo "      $PYTHON -m pip install --no-deps -r requirements-oca.txt" >&2
    exit 2
  fi
fi

# 3. PostgreSQL, reachable with a role of the current user
as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -c "$*"; else sudo -n -u postgres sh -c "$*"; fi
}

if ! pg_isready -q 2>/dev/null; then
  case "${PGHOST:-}" in
    "" | /* | localhost | 127.0.0.1 | ::1) ;;
    *)
      say "PostgreSQL at $PGHOST:${PGPORT:-5432} is not reachable; start it (remote host)." >&2
      exit 2
      ;;
  esac
  if ! command -v pg_lsclusters >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      say "installing PostgreSQL (apt-get install postgresql)"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq postgresql >/dev/null
    else
      say "PostgreSQL is not installed; run: sudo apt-get install postgresql" >&2
      exit 2
    fi
  fi
  # Debian's cluster on the port libpq connects to ($PGPORT, else 5432)
  read -r pg_version pg_cluster pg_port _ < <(
    pg_lsclusters --no-header | awk -v port="${PGPORT:-5432}" '$3 == port' | head -n 1
  ) || true
  if [ -z "${pg_version:-}" ]; then
    say "no PostgreSQL cluster on port ${PGPORT:-5432} (pg_lsclusters);" \
      "create one: sudo pg_createcluster --start <version> main" >&2
    exit 2
  fi
  say "starting PostgreSQL cluster $pg_version/$pg_cluster (port $pg_port)"
  if [ "$(id -u)" = 0 ]; then
    pg_ctlcluster "$pg_version" "$pg_cluster" start
  else
    pg_ctlcluster "$pg_version" "$pg_cluster" start 2>/dev/null ||
      sudo -n pg_ctlcluster "$pg_version" "$pg_cluster" start || {
      say "could not start it; run: sudo pg_ctlcluster $pg_version $pg_cluster start" >&2
      exit 2
    }
  fi
  for _ in $(seq 1 30); do pg_isready -q && break; sleep 1; done
  pg_isready -q || { say "PostgreSQL did not come up (pg_isready)" >&2; exit 2; }
fi

if ! psql -d postgres -tAc "SELECT 1" >/dev/null 2>&1; then
  # Odoo refuses to run as 'postgres': the current user gets its own role
  say "creating PostgreSQL role '$me' (superuser)"
  pg_env="${PGHOST:+PGHOST=$PGHOST }${PGPORT:+PGPORT=$PGPORT }"
  as_postgres "${pg_env}createuser --superuser $me" || {
    say "could not create the role; run: sudo -u postgres createuser --superuser $me" >&2
    exit 2
  }
fi
say "Odoo $serie, Python packages of ${*:-no file}, PostgreSQL $(pg_isready | sed 's/ - / /') as '$me': ready"
