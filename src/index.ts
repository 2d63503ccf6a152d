/** pcapkit: the public surface (re-exports only). */

export { type AnalyseOptions, analyse } from './api/analyse.js';
export { build } from './api/build.js';
export { type DumpOptions, dump } from './api/dump.js';
export { type Extraction, type ExtractStats, extract } from './api/extract.js';
export {
  type ConvResult,
  conversations,
  type FollowedStream,
  type FollowOptions,
  followTcpStream,
  followText,
  parseZ,
  type ZSpec,
  zStatistics,
} from './api/follow.js';
export {
  type DecodeAsRule,
  type ExtractOptions,
  type ExtractReassembleOptions,
  type ExtractTraceOptions,
  LAYERS,
  type LayerName,
  type OutputTarget,
  type ProgressInfo,
  parseDecodeAs,
  type ResolvedOptions,
  type ResolvedTraceOptions,
  resolveOptions,
  type StageFactory,
} from './api/options.js';
export {
  applyPlugins,
  defaultExtensions,
  type Extensions,
  extensionOptions,
  loadPlugins,
  type Plugin,
  type PluginResult,
  pluginOf,
  resolvePlugin,
} from './api/plugin.js';
export { type FrameStream, type ReadFramesOptions, readFrames, readFramesSync } from './api/read-frames.js';
export { type ReassembleOptions, type Reassembler, reassemble, type TcpStreamRecord } from './api/reassemble.js';
export { type Tracer, trace } from './api/trace.js';
export { type Detected, detect } from './capture/detect.js';
export * from './capture/info.js';
export { LINKTYPE_NAMES, linktypeName } from './capture/linktypes.js';
export type { ParserOptions, PcapngHandler } from './capture/parser.js';
export { type CaptureReader, type ReadOptions, readCapture, readCaptureSync } from './capture/read.js';
export type { Input } from './capture/source.js';
export { PcapngWriter, PcapWriter, type RecordIn, writePcap, writePcapng } from './capture/write-pcap.js';
export * from './core/addr.js';
export { buildWith, type Part, type PayloadSpec, payload } from './core/build.js';
export { Bytes, Cursor, fromHex, hex } from './core/bytes.js';
export * from './core/checksum.js';
export { createDissector, type DissectOptions, type Dissector, details } from './core/dissect.js';
export * from './core/errors.js';
export * from './core/fields.js';
export * from './core/frame.js';
export * from './core/issue.js';
export * from './core/options.js';
export type {
  BuildCtx,
  BuiltLayer,
  Codec,
  DecodeCtx,
  DetailsOf,
  FieldsOf,
  LayerSpec,
  Next,
  OptionHandler,
  Protocol,
  ProtocolDef,
  Table,
} from './core/protocol.js';
export { defineProtocol, Need, need } from './core/protocol.js';
export { createRegistry, lowFirst, type Registry } from './core/registry.js';
export { compose, type Stage } from './core/stage.js';
export type * from './core/stream.js';
export * from './core/struct.js';
export * from './core/warnings.js';
export * from './dump/dumper.js';
export { Formatter, fieldValue, hexOf, toPlain } from './dump/fmt.js';
export { builtinDumpers, defaultDumpers, json, ndjson, pcap, pcapng, plist, tree } from './dump/index.js';
export type { Engine, EngineOptions, EngineRegistry, EngineRun, Feature } from './engines/engine.js';
export { createEngines } from './engines/engine.js';
export { builtinEngines, defaultEngine, defaultEngines } from './engines/index.js';
export type { AhDetails } from './protocols/ah.js';
export { ARP_HW_TYPES, ARP_OPCODES, type ArpFields, arpAlias } from './protocols/arp.js';
export { crc32, fcsOf, withFcs } from './protocols/ethernet.js';
export { type DataEndpoint, type FtpMessage, parseEprt, parseEpsv, parseHostPort } from './protocols/ftp.js';
export type { FtpDataMessage } from './protocols/ftp-data.js';
export type { HipFields, HipParameter, HipParameterIn, HipParamHandler } from './protocols/hip.js';
export {
  DynamicTable,
  type HeaderField,
  HpackDecoder,
  HpackEncoder,
  huffmanDecode,
  huffmanEncode,
  STATIC_TABLE,
} from './protocols/hpack.js';
export { decodeContent, type Http1Details, type Http1Message } from './protocols/http1.js';
export { type FrameDetail, frameBytes, type Http2Details, type Http2FrameSpec } from './protocols/http2.js';
export type { IcmpDetails, IcmpFields } from './protocols/icmp.js';
export {
  decodeIcmpExtension,
  encodeIcmpExtension,
  type IcmpExtension,
  type IcmpExtObject,
  type IcmpExtObjectIn,
} from './protocols/icmp-ext.js';
export type { Icmpv6Details, Icmpv6Fields } from './protocols/icmpv6.js';
export { ND_OPTION_HANDLERS } from './protocols/icmpv6-nd.js';
export * from './protocols/index.js';
export type { Ipv6Option } from './protocols/ipv6-opts.js';
export type { RoutingCtx, RoutingHandler } from './protocols/ipv6-route.js';
export { avpKey, decodeAvps, type L2tpAvp, type L2tpAvpIn, type L2tpFields } from './protocols/l2tp.js';
export { type LlcFields, SAP_NAMES } from './protocols/llc.js';
export type { MhDetails, MhTypeHandler } from './protocols/mh.js';
export { upgradeKey } from './protocols/names/http.js';
export { BSD_AF_NAMES, type NullFields } from './protocols/null.js';
export { fillLsaChecksum, type OspfBodyIn, type OspfDetails, type OspfFields } from './protocols/ospf.js';
export { PPP_PROTOCOLS, type PppFields } from './protocols/ppp.js';
export { PPP_CP_CODES } from './protocols/ppp-cp.js';
export { PPPOE_CODES, type PppoeTag, type PppoeTagIn } from './protocols/pppoe.js';
export { SLL_LTYPES, SLL_PACKET_TYPES, type SllFields } from './protocols/sll.js';
export type { VlanFields } from './protocols/vlan.js';
export type { ConvKind, ConvRow } from './stages/conv.js';
export type { FollowMode, FollowRecord } from './stages/follow.js';
export type { RunResults, StageContext } from './stages/index.js';
export type { Datagram, DatagramKey, DefragOptions, DefragStats } from './stages/ip-defrag.js';
export {
  type ExtractStreamOptions,
  StreamRun,
  type StreamStageOptions,
  stagesForExtract,
  streamStages,
  type TcpRecord,
} from './stages/reassembly.js';
export type { TcpChunk, TcpReassemblyOptions, TcpReassemblyStats } from './stages/tcp-stream.js';
export {
  type FlowInfo,
  FlowTracer,
  pcapTraceWriter,
  type TraceFileWriter,
  type TraceOptions,
  type TracePacket,
  type TraceWriterFactory,
} from './stages/trace.js';
