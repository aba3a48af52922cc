/**
 * Test support for the `nftset` command-line tool: runs the compiled
 * packages/nftset/dist/cli/main.js as its own process, as a user would.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { join, resolve } from 'node:path'

import type { TestNetns } from './netns.js'

export const root = resolve(__dirname, '..', '..', '..')

/** The compiled entry point of the tool. */
export const CLI = join(root, 'packages', 'nftset', 'dist', 'cli', 'main.js')

/** Exit status and output of one run. */
export interface CliResult {
  status: number | null
  stdout: string
  stderr: string
}

/** Runs the tool with `args`, feeding `input` to its stdin, and waits for it to exit. */
export async function runCli(args: string[], input?: string): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  child.stdin.on('error', () => undefined)
  child.stdin.end(input ?? '')
  const [status] = (await once(child, 'close')) as [number | null]
  return { status, stdout, stderr }
}

/** Runs the tool inside the test namespace: `nftset --netns PATH ...args`. */
export function runIn(ns: TestNetns, args: string[], input?: string): Promise<CliResult> {
  return runCli(['--netns', ns.path, ...args], input)
}

/** Starts the tool inside the test namespace without waiting for it, for `monitor`. */
export function startIn(ns: TestNetns, args: string[]): ChildProcess {
  return spawn(process.execPath, [CLI, '--netns', ns.path, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
}

/**
 * Resolves with the first line of `stream`, or rejects after `timeoutMs`.
 * Later data on the stream is left unread.
 */
export function firstLine(stream: NodeJS.ReadableStream, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let text = ''
    const timer = setTimeout(() => {
      stream.off('data', onData)
      reject(new Error(`no complete line within ${timeoutMs} ms; got ${JSON.stringify(text)}`))
    }, timeoutMs)
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString()
      const end = text.indexOf('\n')
      if (end >= 0) {
        clearTimeout(timer)
        stream.off('data', onData)
        resolvePromise(text.slice(0, end))
      }
    }
    stream.on('data', onData)
  })
}
