#!/usr/bin/env bash
# Proves the "Quill as a Maven dependency" path: installs Quill from this checkout into the local Maven
# repository, then builds and verifies this separate project, whose `mvn verify` trains a tiny model,
# checks that the loss fell and that text comes out, and that its own SLF4J backend is the one in use.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
(cd "$HERE/../.." && mvn -B -q -DskipTests install)
cd "$HERE" && mvn -B verify
