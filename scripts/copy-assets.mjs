// tsc copies only TypeScript output; the Lua scripts are read at run time beside their module.
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

function copyLua(fromDir, toDir) {
  for (const entry of readdirSync(fromDir, { withFileTypes: true })) {
    const from = join(fromDir, entry.name);
    const to = join(toDir, entry.name);
    if (entry.isDirectory()) copyLua(from, to);
    else if (entry.name.endsWith('.lua')) {
      mkdirSync(dirname(to), { recursive: true });
      cpSync(from, to);
    }
  }
}
if (existsSync('src')) copyLua('src', 'dist');
