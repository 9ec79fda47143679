#!/bin/sh
':' //; if [ -n "${NODE_EXTRA_CA_CERTS-}" ]; then case "${1-}" in ''|-V|--version|-h|--help|help|status|list|show|plan) MILESTONE_NODE_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS; export MILESTONE_NODE_EXTRA_CA_CERTS; unset NODE_EXTRA_CA_CERTS;; esac; fi; exec node "$0" "$@"
// The `milestone` command (package.json `bin`): a file both sh and node read. sh runs line 2 (to
// node it is a string and a comment) and starts node on this same file; node then runs what follows.
//
// Why sh first: node reads the certificate file named in NODE_EXTRA_CA_CERTS as it starts, with
// its own root certificates, whether or not the process ever opens a TLS connection: ~40 ms of
// the ~110 ms `milestone --version` took on a machine that sets it (docs/benchmarks.md). The
// commands line 2 names (the help, the version and the reads, and `plan`) open no TLS connection
// of their own (only `execute`'s webhooks and Redis over TLS do), so node starts them without it;
// the value is handed on, unchanged, to everything they start (agents, git), below. Every other
// command starts as before. Node is looked up on PATH, as `#!/usr/bin/env node` did.
'use strict';
if (process.env.MILESTONE_NODE_EXTRA_CA_CERTS !== undefined) {
  if (process.env.NODE_EXTRA_CA_CERTS === undefined)
    process.env.NODE_EXTRA_CA_CERTS = process.env.MILESTONE_NODE_EXTRA_CA_CERTS;
  delete process.env.MILESTONE_NODE_EXTRA_CA_CERTS;
}
require('../dist/cli/bin.cjs');
