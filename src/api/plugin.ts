/**
 * Plugins (issue 7): an ES module whose default export (or `register` export) receives every
 * extension point as a value and returns the extended ones. The same module serves the library
 * (`extract(input, { ...extensionOptions(await applyPlugins([plugin])) })`) and the CLI
 * (`pcapkit --plugin ./my-plugin.js`). Registries are immutable values (DESIGN rule 8): a plugin
 * extends them by returning new ones (`{ protocols: ext.protocols.with(vxlan) }`).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PcapkitError } from '../core/errors.js';
import type { Registry } from '../core/registry.js';
import type { DumperRegistry } from '../dump/dumper.js';
import { defaultDumpers } from '../dump/index.js';
import type { EngineRegistry } from '../engines/engine.js';
import { defaultEngines } from '../engines/index.js';
import { defaultRegistry } from '../protocols/index.js';
import type { ExtractOptions, StageFactory } from './options.js';

/** Every extension point a plugin can extend, as values. */
export interface Extensions {
  /** Protocols and their dispatch tables (link types, EtherTypes, ports, heuristics, decode-as) and option/parameter handler tables. */
  readonly protocols: Registry;
  /** Engines, selectable with `-E` / `engine`. */
  readonly engines: EngineRegistry;
  /** Report formats, selectable with `-f` / `format` and inferred from the output's extension. */
  readonly dumpers: DumperRegistry;
  /** Stages run after the built-in ones (custom reassembly, flow tracing, filters, counters). */
  readonly stages: readonly StageFactory[];
}

/** What a plugin gives back: the extension points it replaced (others stay as they were). */
// biome-ignore lint/suspicious/noConfusingVoidType: a plugin that only has side effects returns nothing
export type PluginResult = Partial<Extensions> | undefined | void;

/** A plugin: the default export (or `register` export) of a `--plugin` module. */
export type Plugin = (ext: Extensions) => PluginResult | Promise<PluginResult>;

/** The built-in extension points. */
export const defaultExtensions: Extensions = Object.freeze({
  protocols: defaultRegistry,
  engines: defaultEngines,
  dumpers: defaultDumpers,
  stages: Object.freeze([]) as readonly StageFactory[],
});

/** Run plugins in order, each seeing what the previous ones made. */
export async function applyPlugins(
  plugins: readonly Plugin[],
  base: Extensions = defaultExtensions,
): Promise<Extensions> {
  let ext = base;
  for (const p of plugins) {
    const r = await p(ext);
    if (r) ext = { ...ext, ...r };
  }
  return ext;
}

/** The `extract()` options that make a run use these extensions. */
export function extensionOptions(ext: Extensions): Pick<ExtractOptions, 'registry' | 'engines' | 'dumpers' | 'stages'> {
  return { registry: ext.protocols, engines: ext.engines, dumpers: ext.dumpers, stages: ext.stages };
}

/** The plugin function a module exports: `default`, else `register`. */
export function pluginOf(mod: unknown, name = 'module'): Plugin {
  const m = mod as { default?: unknown; register?: unknown };
  const f =
    typeof m.default === 'function'
      ? m.default
      : typeof (m.default as { register?: unknown } | undefined)?.register === 'function'
        ? (m.default as { register: unknown }).register
        : m.register;
  if (typeof f !== 'function')
    throw new PcapkitError('ERR_PLUGIN', `plugin '${name}' has no default export or 'register' function`);
  return f as Plugin;
}

/** A module specifier resolved as the CLI does: a path relative to `cwd`, or a package found from `cwd`. */
export function resolvePlugin(spec: string, cwd: string = process.cwd()): string {
  const looksLikePath = spec.startsWith('.') || isAbsolute(spec) || /\.[cm]?[jt]s$/.test(spec);
  const asPath = resolve(cwd, spec);
  if (looksLikePath || existsSync(asPath)) {
    if (!existsSync(asPath)) throw new PcapkitError('ERR_PLUGIN', `plugin '${spec}' not found (${asPath})`);
    return pathToFileURL(asPath).href;
  }
  try {
    return pathToFileURL(createRequire(join(cwd, 'noop.js')).resolve(spec)).href;
  } catch {
    // An ESM-only package (no "require" condition): let import() resolve it from here.
    return spec;
  }
}

/** Load and apply `--plugin` modules; any failure is a one-line PcapkitError('ERR_PLUGIN'). */
export async function loadPlugins(
  specs: readonly string[],
  opts: { cwd?: string; base?: Extensions } = {},
): Promise<Extensions> {
  const plugins: Plugin[] = [];
  for (const spec of specs) {
    let mod: unknown;
    try {
      mod = await import(resolvePlugin(spec, opts.cwd));
    } catch (e) {
      if (e instanceof PcapkitError) throw e;
      const m = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw new PcapkitError('ERR_PLUGIN', `cannot load plugin '${spec}': ${m}`, { cause: e });
    }
    plugins.push(pluginOf(mod, spec));
  }
  try {
    return await applyPlugins(plugins, opts.base);
  } catch (e) {
    if (e instanceof PcapkitError) throw e;
    const m = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new PcapkitError('ERR_PLUGIN', `plugin failed: ${m}`, { cause: e });
  }
}
