// Oracle: node-semver, loose. argv[2] is the directory holding node_modules/semver.
const semver = require(require('path').join(process.argv[2], 'node_modules', 'semver'));
const rl = require('readline').createInterface({ input: process.stdin, crlfDelay: Infinity });
const out = [];
rl.on('line', (line) => {
  const [a, b] = line.split('\t');
  const va = semver.valid(a, { loose: true }) !== null;
  const vb = semver.valid(b, { loose: true }) !== null;
  let c = '?';
  if (va && vb) {
    const r = semver.compare(a, b, { loose: true });
    c = r < 0 ? '<' : r > 0 ? '>' : '=';
  }
  out.push(`${va ? 1 : 0}${vb ? 1 : 0}${c}`);
});
rl.on('close', () => { process.stdout.write(out.join('\n') + (out.length ? '\n' : '')); });
