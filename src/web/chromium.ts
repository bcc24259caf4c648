import { execFileSync, execSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';

/**
 * Finds Debian's chromium, installing it with apt-get when missing and running as root
 * (CI machines start without it). Throws with what to do otherwise.
 */
export function chromiumPath(): string {
  const find = () => {
    try {
      return execSync('which chromium', { encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  let path = find();
  if (!path && process.getuid?.() === 0) {
    const apt = (args: string[]) =>
      execFileSync('apt-get', args, { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    try {
      apt(['install', '-y', '--no-install-recommends', 'chromium']);
    } catch {
      // a fresh machine may have no package lists yet
      apt(['update']);
      apt(['install', '-y', '--no-install-recommends', 'chromium']);
    }
    path = find();
  }
  if (!path) throw new Error('chromium not found: run `apt-get install -y chromium` (as root) for the browser tests');
  return path;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
    ],
  });
}
