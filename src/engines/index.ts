/** The built-in engines: one line each. The engines issue adds pipeline, server, tshark, dpkt, scapy. */
import { defaultEngine } from './default.js';
import { createEngines, type Engine, type EngineRegistry } from './engine.js';
import { pipelineEngine, serverEngine } from './parallel.js';

export const builtinEngines: readonly Engine[] = Object.freeze([defaultEngine, pipelineEngine, serverEngine]);

export const defaultEngines: EngineRegistry = createEngines(builtinEngines);

export { defaultEngine, pipelineEngine, serverEngine };
