#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer at DATABASE_URL and REDIS_URL; start the local services
# when they are installed but stopped. Used by `make test`.
set -euo pipefail

database_url=${DATABASE_URL:?DATABASE_URL is required}
redis_url=${REDIS_URL:?REDIS_URL is required}

pg_host=$(python3 -c "import sys,urllib.parse as u; print(u.urlsplit(sys.argv[1]).hostname or '127.0.0.1')" "$database_url")
pg_port=$(python3 -c "import sys,urllib.parse as u; print(u.urlsplit(sys.argv[1]).port or 5432)" "$database_url")
redis_host=$(python3 -c "import sys,urllib.parse as u; print(u.urlsplit(sys.argv[1]).hostname or '127.0.0.1')" "$redis_url")
redis_port=$(python3 -c "import sys,urllib.parse as u; print(u.urlsplit(sys.argv[1]).port or 6379)" "$redis_url")

pg_up() { pg_isready -q -h "$pg_host" -p "$pg_port" 2>/dev/null; }
redis_up() { redis-cli -h "$redis_host" -p "$redis_port" ping 2>/dev/null | grep -q PONG; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "Starting PostgreSQL"
    for version in $(ls /etc/postgresql); do
      pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
  fi
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { echo "PostgreSQL does not answer at $pg_host:$pg_port (DATABASE_URL)" >&2; exit 1; }
fi

if ! redis_up; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "Starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$redis_port" --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  fi
  for _ in $(seq 1 30); do redis_up && break; sleep 1; done
  redis_up || { echo "Redis does not answer at $redis_host:$redis_port (REDIS_URL)" >&2; exit 1; }
fi
echo "PostgreSQL and Redis answer."
