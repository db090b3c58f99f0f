#!/usr/bin/env bash
# Quick start, part two: install what is missing and run every test, on
# both deployments: the counting hall (SQLite and a folder) and the central
# service (PostgreSQL and an S3-protocol server).
#
# PostgreSQL: SCRUTINY_TEST_DATABASE_URL (a URL that may create databases)
# when set; else the server on 127.0.0.1:5432 when one answers; else a
# private cluster started here. S3: an s3s-fs server started here (installed
# with cargo the first time).
set -euo pipefail
cd "$(dirname "$0")/.."
# Chromium and its driver run the browser tests; Noto fonts draw Hindi;
# PostgreSQL for the central deployment's tests; ImageMagick, img2pdf,
# qpdf, Ghostscript, libtiff's tools, OpenJPEG and OCRmyPDF write the scans
# of other programs that the reader is tested with (tests/producers.rs).
bash scripts/install-deps.sh chromium chromium-driver fonts-noto-core postgresql postgresql-client python3-venv curl \
  imagemagick img2pdf qpdf ghostscript libtiff-tools libopenjp2-tools ocrmypdf
cargo test --locked

# ---- the OpenAPI document: valid, and true to what the server answers -----
# openapi-spec-validator, then a bounded schemathesis run (every phase; not
# logout, which would end its session) that fails on any 5xx or any answer
# its schema does not describe. Pinned, in a venv kept under target/.
target=${CARGO_TARGET_DIR:-target}
venv=$target/openapi-venv
[ -x "$venv/bin/schemathesis" ] || {
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q schemathesis==4.32.5 openapi-spec-validator==0.9.0
}
api_data=$(mktemp -d /tmp/scrutiny-openapi.XXXXXX)
api_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$target/debug/scrutiny" serve --demo --no-demo-scans --workers 0 --data "$api_data" --bind "127.0.0.1:$api_port" >"$api_data/server.log" 2>&1 &
api_pid=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$api_port/api/v1/openapi.json" -o "$api_data/openapi.json" && break; sleep 0.1; done
"$venv/bin/python" -m openapi_spec_validator "$api_data/openapi.json"
api_token=$(curl -sf -X POST "http://127.0.0.1:$api_port/api/v1/login" -H 'content-type: application/json' \
  -d '{"username":"admin","password":"demo-admin"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
"$venv/bin/schemathesis" run "http://127.0.0.1:$api_port/api/v1/openapi.json" -H "Authorization: Bearer $api_token" \
  -n 20 --seed 1 --phases examples,coverage,fuzzing,stateful --exclude-path /api/v1/logout \
  --checks not_a_server_error,response_schema_conformance
kill "$api_pid"; wait "$api_pid" 2>/dev/null || true
rm -rf "$api_data"

# ---- the central deployment ------------------------------------------------
work=$(mktemp -d /tmp/scrutiny-central.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "${private_pg:-}" ]; then runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -m fast stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "${SCRUTINY_TEST_DATABASE_URL:-}" ]; then
  if psql "postgres://postgres@127.0.0.1:5432/postgres" -Atc "select 1" >/dev/null 2>&1; then
    export SCRUTINY_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres"
  else
    pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    mkdir -p "$work/pg" && chown postgres "$work" "$work/pg"
    runuser -u postgres -- "$pgbin/initdb" -D "$work/pg" -A trust -U postgres --locale=C -E UTF8 >/dev/null
    runuser -u postgres -- "$pgbin/pg_ctl" -D "$work/pg" -l "$work/pg.log" \
      -o "-p 54329 -k $work -c listen_addresses=127.0.0.1 -c max_connections=300" -w start >/dev/null
    private_pg=1
    export SCRUTINY_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:54329/postgres"
  fi
fi
drop_test_databases() {
  psql "$SCRUTINY_TEST_DATABASE_URL" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'scrutiny\_t\_%'" |
    while read -r db; do psql "$SCRUTINY_TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"; done
}
drop_test_databases

# A debug build: it installs in a quarter of the time, and speed does not matter here.
command -v s3s-fs >/dev/null || cargo install s3s-fs --version 0.14.1 --features binary --locked --debug
export SCRUTINY_TEST_S3_ROOT="$work/s3"
mkdir -p "$SCRUTINY_TEST_S3_ROOT"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export AWS_ACCESS_KEY_ID=scrutiny-test AWS_SECRET_ACCESS_KEY=scrutiny-test-secret AWS_REGION=us-east-1 \
  AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ALLOW_HTTP=true
s3s-fs --host 127.0.0.1 --port "$port" --access-key "$AWS_ACCESS_KEY_ID" \
  --secret-key "$AWS_SECRET_ACCESS_KEY" "$SCRUTINY_TEST_S3_ROOT" >"$work/s3s.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
# A killed process's page leases run out fast in tests.
export SCRUTINY_LEASE_SECONDS=6
# The HTTP tests again, every server on its own database and bucket (the
# browser tests ran once above: the pages do not depend on the engine).
cargo test --locked --test api -- --skip browser::
drop_test_databases
