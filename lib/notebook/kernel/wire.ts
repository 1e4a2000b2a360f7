/**
 * The Jupyter wire protocol, the little of it the control thread needs: read a message from its
 * ZeroMQ frames, and sign a reply (HMAC-SHA256 over header, parent header, metadata and content).
 */
import { createHmac, randomBytes } from "node:crypto";

const DELIM = "<IDS|MSG>";

export interface WireMessage {
  identities: Buffer[];
  header: Record<string, unknown>;
  parent: Record<string, unknown>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
}

/** Decodes the frames of one message (throws on a bad signature, naming it). */
export function decode(frames: Buffer[], key: string): WireMessage {
  const at = frames.findIndex((f) => f.toString() === DELIM);
  if (at < 0) throw new Error("Jupyter message without the <IDS|MSG> delimiter");
  const [signature, ...parts] = frames.slice(at + 1).map((f) => f.toString());
  if (key && sign(key, parts.slice(0, 4)) !== signature) throw new Error("Jupyter message with a bad HMAC signature");
  const [header, parent, metadata, content] = parts.slice(0, 4).map((p) => JSON.parse(p) as Record<string, unknown>);
  return { identities: frames.slice(0, at), header, parent, metadata, content };
}

function sign(key: string, parts: string[]): string {
  if (!key) return "";
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

/** The frames of a reply of type `msgType` to `request`. */
export function encodeReply(request: WireMessage, msgType: string, content: Record<string, unknown>, key: string): Array<Buffer | string> {
  const header = {
    msg_id: randomBytes(16).toString("hex"),
    session: request.header.session,
    username: request.header.username,
    date: new Date().toISOString(),
    msg_type: msgType,
    version: "5.3",
  };
  const parts = [JSON.stringify(header), JSON.stringify(request.header), "{}", JSON.stringify(content)];
  return [...request.identities, DELIM, sign(key, parts), ...parts];
}
