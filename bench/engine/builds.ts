import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { makeOwnedTempDir } from '../../local-temporal/processes.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * The product as it was and as it is, each compiled by its own `npm run build` (scripts/build.mjs,
 * since commit 470cc8d) in a detached git worktree, so neither touches the repository's dist/:
 * - before: a commit (`--before <rev>`, else $ENGINE_BEFORE, else HEAD when the bench starts);
 * - after: the working tree as it is, tracked changes and new files alike, written as a commit
 *   object through a throwaway index (the repository's index, HEAD and files stay untouched).
 * Builds are cached by tree hash, so a second run, or an after identical to its before, reuses one.
 */

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

export interface Revision {
  variant: 'before' | 'after';
  commit: string;
  tree: string;
  /** How the commit was chosen and what it holds, for the report. */
  describe: string;
}

export interface Build {
  revision: Revision;
  /** Holds dist/ (dist/client/cli/run.js, dist/workflow-bundle.js), package.json and a node_modules link. */
  dir: string;
  cached: boolean;
  buildMs: number;
}

function git(args: string[], env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

const subject = (commit: string) => git(['log', '-1', '--format=%h %s', commit]);

export function resolveBefore(option: string | undefined): Revision {
  const [rev, source] = option
    ? [option, `--before ${option}`]
    : process.env.ENGINE_BEFORE
      ? [process.env.ENGINE_BEFORE, `ENGINE_BEFORE=${process.env.ENGINE_BEFORE}`]
      : ['HEAD', 'HEAD when the bench started (no --before, ENGINE_BEFORE unset)'];
  let commit: string;
  try {
    commit = git(['rev-parse', '--verify', `${rev}^{commit}`]);
  } catch {
    throw new Error(`--before: ${rev} is not a commit in ${ROOT}; give a commit, a branch or a tag`);
  }
  return {
    variant: 'before',
    commit,
    tree: git(['rev-parse', `${commit}^{tree}`]),
    describe: `${commit} (${subject(commit)}), from ${source}`,
  };
}

/** The working tree as a commit: HEAD plus every tracked change and every new file git does not ignore. */
export function snapshotWorkingTree(): Revision {
  const head = git(['rev-parse', 'HEAD']);
  const scratch = makeOwnedTempDir('bench-engine-index-');
  try {
    const env = { ...process.env, GIT_INDEX_FILE: join(scratch, 'index') };
    git(['read-tree', 'HEAD'], env);
    git(['add', '--all', '--', '.'], env);
    const tree = git(['write-tree'], env);
    if (tree === git(['rev-parse', 'HEAD^{tree}'])) {
      return { variant: 'after', commit: head, tree, describe: `${head} (${subject(head)}): the working tree, identical to HEAD` };
    }
    const commit = git(['commit-tree', tree, '-p', head, '-m', 'bench:engine snapshot of the working tree'], env);
    // The engine's own files first: the bench's files are in the working tree too while it is being written.
    const changed = git(['diff-tree', '-r', '--name-status', head, commit])
      .split('\n')
      .filter(Boolean)
      .sort((a, b) => Number(a.includes('bench/')) - Number(b.includes('bench/')));
    const listed = changed
      .slice(0, 12)
      .map((line) => line.replace('\t', ' '))
      .join(', ');
    return {
      variant: 'after',
      commit,
      tree,
      describe: `${commit}: HEAD ${head.slice(0, 7)} plus the working tree's ${changed.length} changed file(s): ${listed}${changed.length > 12 ? ', …' : ''}`,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export const cacheRoot = () => process.env.ENGINE_BENCH_CACHE ?? join(tmpdir(), 'escalation-bench-engine-cache');

// Worktrees this process added: removed at the end, and by the exit hook after a crash.
const worktrees = new Set<string>();
function removeWorktree(path: string): void {
  try {
    execFileSync('git', ['worktree', 'remove', '--force', path], { cwd: ROOT, stdio: 'ignore' });
  } catch {
    rmSync(path, { recursive: true, force: true });
    try {
      execFileSync('git', ['worktree', 'prune'], { cwd: ROOT, stdio: 'ignore' });
    } catch {
      // nothing more to do: `git worktree prune` later cleans the entry
    }
  }
  worktrees.delete(path);
}
// The folders holding them (and the staging of a build): removed after their worktree.
const folders = new Set<string>();
process.on('exit', () => {
  for (const path of [...worktrees]) removeWorktree(path);
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

function isComplete(dir: string): boolean {
  return ['dist/client/cli/run.js', 'dist/workflow-bundle.js', 'package.json', 'node_modules'].every((p) => existsSync(join(dir, p)));
}

/** The revision's dist/, from the cache or built now in a worktree (about 35 s on 2 cores). */
export async function buildRevision(revision: Revision, log: (line: string) => void): Promise<Build> {
  const dir = join(cacheRoot(), `tree-${revision.tree}`);
  if (isComplete(dir)) return { revision, dir, cached: true, buildMs: 0 };
  mkdirSync(cacheRoot(), { recursive: true });
  // Marked with our pid: a run killed mid-build (no exit hook) leaves a folder the next run removes,
  // and `git worktree prune` then forgets its worktree.
  const work = makeOwnedTempDir('bench-engine-build-');
  folders.add(work);
  git(['worktree', 'prune']);
  const worktree = join(work, 'tree');
  const started = Date.now();
  try {
    git(['worktree', 'add', '--detach', worktree, revision.commit]);
    worktrees.add(worktree);
    if (!existsSync(join(worktree, 'scripts', 'build.mjs'))) {
      throw new Error(
        `${revision.variant} ${revision.commit.slice(0, 7)} has no scripts/build.mjs (added in 470cc8d): pick a later commit`,
      );
    }
    symlinkSync(join(ROOT, 'node_modules'), join(worktree, 'node_modules'), 'dir');
    log(`building ${revision.variant} ${revision.commit.slice(0, 7)} in ${worktree} (node scripts/build.mjs)`);
    try {
      const { stdout } = await run(process.execPath, [join(worktree, 'scripts', 'build.mjs')], {
        cwd: worktree,
        timeout: 10 * 60_000,
        maxBuffer: 16 * 2 ** 20,
      });
      log(`  ${stdout.trim().split('\n').slice(-1)[0] ?? ''}`);
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string; message: string };
      throw new Error(
        `the ${revision.variant} build (${revision.commit.slice(0, 7)}) failed: ${failed.message}\n${failed.stdout ?? ''}${failed.stderr ?? ''}`,
      );
    }
    // Built apart, then moved into place in one rename: a run that dies half-way leaves no half cache.
    const staging = mkdtempSync(join(cacheRoot(), 'staging-'));
    folders.add(staging);
    moveInto(join(worktree, 'dist'), join(staging, 'dist'));
    cpSync(join(worktree, 'package.json'), join(staging, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(staging, 'node_modules'), 'dir');
    writeFileSync(join(staging, 'revision.json'), `${JSON.stringify({ commit: revision.commit, tree: revision.tree }, null, 2)}\n`);
    try {
      renameSync(staging, dir);
    } catch {
      rmSync(staging, { recursive: true, force: true }); // another run cached the same tree meanwhile
    }
    folders.delete(staging);
    if (!isComplete(dir)) throw new Error(`the ${revision.variant} build left no complete dist/ in ${dir}`);
    return { revision, dir, cached: false, buildMs: Date.now() - started };
  } finally {
    if (worktrees.has(worktree)) removeWorktree(worktree);
    rmSync(work, { recursive: true, force: true });
    folders.delete(work);
  }
}

function moveInto(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch {
    cpSync(from, to, { recursive: true });
  }
}
