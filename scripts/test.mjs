// The whole test run: build, style checks, Rust tests, then the ava specs
// against the real kernel. Kernel tests make network namespaces, which needs
// CAP_SYS_ADMIN: when not root, the kernel suites run inside a user
// namespace made with `unshare -r`, where the caller is root.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const asRoot = process.getuid?.() === 0

function run(command, args, options = {}) {
  console.log(`> ${command} ${args.join(' ')}`)
  execFileSync(command, args, { cwd: root, stdio: 'inherit', ...options })
}

/** Runs a command with CAP_SYS_ADMIN: directly as root, else in a user namespace. */
function runPrivileged(command, args) {
  if (asRoot) {
    run(command, args)
  } else {
    run('unshare', ['-r', '--', command, ...args])
  }
}

run('node', ['scripts/build.mjs'])
run('cargo', ['fmt', '--all', '--check'])
run('cargo', ['clippy', '--all-targets', '--', '-D', 'warnings'])
run('npx', ['tsc', '-p', 'packages/nftset', '--noEmit'])
run('npx', ['tsc', '-p', '.', '--noEmit'])
runPrivileged('cargo', ['test', '--workspace'])
runPrivileged('npx', ['ava'])
