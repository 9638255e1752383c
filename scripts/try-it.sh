#!/usr/bin/env bash
# Sends a burst of requests to a running Tollgate server and summarises the outcome.
# Usage: scripts/try-it.sh [--url URL | --urls U1,U2] [-n 30] [--concurrency C] [--rate R]
set -euo pipefail
exec java "$(dirname "$0")/TryIt.java" "$@"
