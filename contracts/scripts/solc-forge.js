#!/usr/bin/env node
// A solc command-line front for forge, backed by solc-js (npm `solc`), so forge never
// downloads a native compiler. Supports `--version` and `--standard-json` (input on stdin,
// output on stdout); other flags forge passes (--allow-paths, --base-path, --include-path)
// only set where imports are looked up.
'use strict';
const fs = require('fs');
const path = require('path');
const solc = require('solc');

const args = process.argv.slice(2);

if (args.includes('--version') || args.includes('-v')) {
  // solc-js reports e.g. 0.8.37+commit.f401782d.Emscripten.clang; forge expects the native form.
  const v = solc.version().replace(/\.Emscripten\.clang$/, '.Linux.g++');
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${v}\n`);
  process.exit(0);
}

const roots = [process.cwd()];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--base-path' || args[i] === '--include-path') roots.push(path.resolve(args[++i]));
}

function findImport(name) {
  const candidates = path.isAbsolute(name) ? [name] : roots.map((r) => path.join(r, name));
  for (const file of candidates) {
    try {
      return { contents: fs.readFileSync(file, 'utf8') };
    } catch (_) {
      // try the next root
    }
  }
  return { error: `File not found: ${name}` };
}

const chunks = [];
process.stdin.on('data', (c) => chunks.push(c));
process.stdin.on('end', () => {
  const input = Buffer.concat(chunks).toString('utf8');
  process.stdout.write(solc.compile(input, { import: findImport }));
});
