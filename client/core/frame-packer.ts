// Frames of a conversation gathered into sealed datagrams: several to a datagram, as QUIC
// packs frames into packets. Frames wait here until the engine asks for output (takeSealed),
// so everything one round of I/O produced (an ack, a retransmission, new data, a ping) leaves
// together under one AEAD seal, one header and one relay wrapper. A datagram is sealed early
// when the next frame would not fit, or when the frames change path.

import { encode } from '../../src/codec.ts';
import type { Message } from '../../src/wire.ts';
import { pathKey, type Path } from './punch.ts';
import { FRAME_LENGTH_BYTES, MAX_SEALED_PLAINTEXT_BYTES, type Frame, type SecureLink } from './secure-link.ts';

/** A datagram ready for the socket, and the path it goes on. */
export interface SealedDatagram {
  path: Path;
  msg: Message;
}

export class FramePacker {
  private frames: Uint8Array[] = [];
  private bytes = 0;
  private path: Path | undefined;
  /** Time of the latest frame: the cipher's rekey clock reads it at sealing. */
  private latest = 0;

  constructor(private readonly link: SecureLink) {}

  get hasFrames(): boolean {
    return this.frames.length > 0;
  }

  /**
   * Adds a frame for the peer (`remoteCid`) on `path`. Returns the datagram that had to be
   * sealed first to make room or because the path changed, if any.
   */
  add(path: Path, frame: Frame, remoteCid: number | undefined, now: number): SealedDatagram | undefined {
    let sealed: SealedDatagram | undefined;
    if (this.path && pathKey(this.path) !== pathKey(path)) sealed = this.seal(remoteCid);
    const encoded = encode(frame);
    if (this.bytes + encoded.length + FRAME_LENGTH_BYTES > MAX_SEALED_PLAINTEXT_BYTES) sealed ??= this.seal(remoteCid);
    this.path = path;
    this.frames.push(encoded);
    this.bytes += encoded.length + FRAME_LENGTH_BYTES;
    this.latest = now;
    return sealed;
  }

  /** Seals what was gathered into one datagram; undefined if there is nothing, or no peer cid yet. */
  seal(remoteCid: number | undefined): SealedDatagram | undefined {
    if (this.frames.length === 0 || !this.path || remoteCid === undefined) return undefined;
    const sealed = { path: this.path, msg: this.link.seal(this.frames, remoteCid, this.latest) };
    this.frames = [];
    this.bytes = 0;
    return sealed;
  }
}
