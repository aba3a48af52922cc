import type { MonitorEvent } from '../../monitor.js'
import type { Nftables } from '../../nftables.js'
import type { SetInfo } from '../../types.js'
import { expectAtMost, parseFamily } from '../args.js'
import type { Command } from '../command.js'
import { EXIT } from '../errors.js'
import { elementJson, setJson, typesOf, type SetTypes } from '../nft-json.js'
import { elementText, setKind, setProperties, typeText } from '../text.js'

const LOST_EVENTS =
  'nftset: the kernel dropped events that came faster than they were read; list the sets to learn their state\n'

export const monitor: Command = {
  name: 'monitor',
  usage: '[--json] [FAMILY [TABLE [SET]]]',
  summary: 'print set and element changes until interrupted',
  description: `Print the changes to sets, maps and their elements made by any process, one
a line, until interrupted (Ctrl-C or SIGTERM), as \`nft monitor\` does:
"add element inet filter blocklist { 192.0.2.1 }". Give a family, table
or set to see only their events. Ranges of interval sets are printed
whole.

With --json, print each event as one line in the schema of \`nft -j
monitor\`. If the kernel drops events because they come faster than they
are read, a warning goes to stderr.

A line on stderr says when the watch has started, unless --quiet is given.`,
  options: {
    json: { type: 'boolean', help: 'print each event as JSON in the schema of `nft -j monitor`' },
    quiet: { type: 'boolean', short: 'q', help: 'print no line on stderr when the watch starts' },
  },
  examples: ['nftset monitor inet filter', 'nftset monitor --json inet filter blocklist'],
  async run(context) {
    const [familyText, table, set, ...rest] = context.positionals
    expectAtMost(rest, 0, 'monitor')
    const family = familyText === undefined ? undefined : parseFamily(familyText, 'monitor')
    const json = context.values.json === true
    const nft = await context.open()
    try {
      const watch = await nft.monitor({ family, table, set })
      const stop = () => watch.close()
      process.once('SIGINT', stop)
      process.once('SIGTERM', stop)
      context.stdout.on('error', stop)
      try {
        if (context.values.quiet !== true) {
          const scope = [family, table, set].filter((part) => part !== undefined).join(' ') || 'every table'
          context.stderr.write(`nftset: watching ${scope} for set and element changes\n`)
        }
        const sets = new SetCache(nft)
        for await (const event of watch) {
          const line = json ? await eventJson(event, sets) : await eventText(event, sets)
          if (line === undefined) {
            context.stderr.write(LOST_EVENTS)
          } else {
            context.stdout.write(`${line}\n`)
          }
        }
      } finally {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
      }
    } finally {
      nft.close()
    }
    return EXIT.ok
  },
}

/** Set definitions by name, read once and updated from set events. */
class SetCache {
  readonly #nft: Nftables
  readonly #sets = new Map<string, SetInfo | undefined>()

  constructor(nft: Nftables) {
    this.#nft = nft
  }

  /** Returns the definition of the event's set, or `undefined` when it is gone. */
  async get(event: { family: SetInfo['family']; table: string; set: string }): Promise<SetInfo | undefined> {
    const key = `${event.family} ${event.table} ${event.set}`
    if (!this.#sets.has(key)) {
      const ref = { family: event.family, table: event.table, set: event.set }
      this.#sets.set(key, await this.#nft.getSet(ref).catch(() => undefined))
    }
    return this.#sets.get(key)
  }

  put(info: SetInfo): void {
    this.#sets.set(`${info.family} ${info.table} ${info.name}`, info)
  }

  forget(event: { family: string; table: string; set: string }): void {
    this.#sets.delete(`${event.family} ${event.table} ${event.set}`)
  }
}

/** Formats an event as `nft monitor` prints it, or returns `undefined` for lost events. */
async function eventText(event: MonitorEvent, sets: SetCache): Promise<string | undefined> {
  switch (event.type) {
    case 'elementAdded':
    case 'elementDeleted': {
      const verb = event.type === 'elementAdded' ? 'add' : 'delete'
      return `${verb} element ${event.family} ${event.table} ${event.set} { ${elementText(event.element)} }`
    }
    case 'setCreated': {
      sets.put(event.info)
      const parts = [`type ${typeText(event.info)}`, ...setProperties(event.info)]
      const declaration = parts.map((part) => `${part}; `).join('')
      return `add ${setKind(event.info)} ${event.family} ${event.table} ${event.set} { ${declaration}}`
    }
    case 'setDeleted': {
      const info = await sets.get(event)
      sets.forget(event)
      return `delete ${info === undefined ? 'set' : setKind(info)} ${event.family} ${event.table} ${event.set}`
    }
    default:
      return undefined
  }
}

/** Formats an event as one line of `nft -j monitor`, or returns `undefined` for lost events. */
async function eventJson(event: MonitorEvent, sets: SetCache): Promise<string | undefined> {
  switch (event.type) {
    case 'elementAdded':
    case 'elementDeleted': {
      const info = await sets.get(event)
      const types: SetTypes = info === undefined ? unknownTypes(event.element.value !== undefined) : typesOf(info)
      const element = {
        family: event.family,
        table: event.table,
        name: event.set,
        elem: { set: [elementJson(event.element, types)] },
      }
      return JSON.stringify({ [event.type === 'elementAdded' ? 'add' : 'delete']: { element } })
    }
    case 'setCreated':
      sets.put(event.info)
      return JSON.stringify({ add: setJson(event.info) })
    case 'setDeleted': {
      const info = await sets.get(event)
      sets.forget(event)
      const kind = info === undefined ? 'set' : setKind(info)
      return JSON.stringify({ delete: { [kind]: { family: event.family, name: event.set, table: event.table } } })
    }
    default:
      return undefined
  }
}

/** Types for a set that was deleted before its definition could be read: fields stay text. */
function unknownTypes(isMap: boolean): SetTypes {
  return { key: [''], value: isMap ? [''] : undefined, verdict: false }
}
