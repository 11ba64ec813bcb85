// Preloaded into every child the chaos run starts (`node --import`): a child whose parent died
// (the run was SIGKILLed, or vitest killed its worker) exits instead of running on unattended.
import process from 'node:process';
import { setInterval } from 'node:timers';

const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(1);
}, 500).unref();
