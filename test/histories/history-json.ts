// History <-> the JSON `temporal workflow show --output json` writes, for the recorded histories.
//
// Why not @temporalio/common's historyToJSON/historyFromJSON: with this lockfile npm installs
// protobufjs 8 three times (nested under @temporalio/common, /proto and /worker, because
// @grpc/proto-loader holds the top-level slot with protobufjs 7). Those helpers take `toJson` and
// `fromJson` from common's copy but the History type from proto's copy, and protobufjs refuses a
// Type from another copy: both throw "type must be a Type" (so does Worker.runReplayHistory when
// handed JSON). Here both come from the copy @temporalio/proto itself loads, which is also the
// right one once a single protobufjs 8 is hoisted.
import { createRequire } from 'node:module';
import type { History } from '@temporalio/common/lib/proto-utils.js';

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options?: { ignoreUnknownFields?: boolean }): unknown;
}
interface ProtoRoot {
  lookupType(name: string): { fromObject(object: unknown): unknown };
}

const fromHere = createRequire(import.meta.url);
// The @temporalio/proto that @temporalio/common uses, and the protobufjs that one was built with.
const protoPath = createRequire(fromHere.resolve('@temporalio/common')).resolve('@temporalio/proto');
const fromProto = createRequire(protoPath);
const { toJson, fromJson } = fromProto('protobufjs/ext/protojson') as ProtoJson;
const { patchProtobufRoot } = fromProto('@temporalio/proto/lib/patch-protobuf-root') as { patchProtobufRoot(root: unknown): ProtoRoot };
const historyType = patchProtobufRoot(fromProto('@temporalio/proto')).lookupType('temporal.api.history.v1.History');

/** A fetched history as pretty-printed ProtoJSON, one file per recorded incident. */
export function historyToJson(history: History): string {
  return `${JSON.stringify(toJson(historyType, historyType.fromObject(history)), null, 2)}\n`;
}

/** A history file read back; unknown fields (a newer server's) are ignored, as the SDK does. */
export function historyFromJson(json: unknown): History {
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { events?: unknown }).events)) {
    throw new TypeError('not a history: expected an object with an array of events');
  }
  return fromJson(historyType, json, { ignoreUnknownFields: true }) as History;
}
