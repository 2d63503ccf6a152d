/** The built-in engines: one line each. The engines issue adds pipeline, server, tshark, dpkt, scapy. */
import { defaultEngine } from './default.js';
import { createEngines, type Engine, type EngineRegistry } from './engine.js';
import { dpktEngine, scapyEngine } from './python.js';
import { tsharkEngine } from './tshark.js';

export const builtinEngines: readonly Engine[] = Object.freeze([defaultEngine, tsharkEngine, dpktEngine, scapyEngine]);

export const defaultEngines: EngineRegistry = createEngines(builtinEngines);

export { defaultEngine, dpktEngine, scapyEngine, tsharkEngine };
