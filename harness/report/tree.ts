// The git commit of the tree a report was made from, and whether it had
// uncommitted changes (simple-git).

import { simpleGit } from 'simple-git';
import { projectRoot } from '../paths.js';

export interface TreeInfo {
  commit: string | null;
  dirty: boolean | null;
}

export async function treeInfo(dir: string = projectRoot): Promise<TreeInfo> {
  try {
    const git = simpleGit(dir);
    if (!(await git.checkIsRepo())) return { commit: null, dirty: null };
    const commit = (await git.revparse(['HEAD'])).trim();
    const status = await git.status();
    return { commit, dirty: !status.isClean() };
  } catch {
    return { commit: null, dirty: null };
  }
}
