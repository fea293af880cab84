import type { Hono } from 'hono'
import {
  bodyDigestsInSlices,
  DEFAULT_WORK_PER_SLICE,
  nextMacrotask,
  WorkSlices,
} from '../../shared/zellular/index.ts'
import {
  disputeSchema,
  handleDispute,
  handleSwitch,
  precheckDispute,
  precheckSwitch,
  switchSchema,
} from './disputeRoutes.ts'
import { heldAnswer } from './heldAnswer.ts'
import { PeerControlLimits } from './peerControlLimits.ts'
import { ZsequencerHttpError, success } from './httpErrors.ts'
import {
  CONTROL_BODY_MAX_BYTES,
  parseBody,
  type NodeEnv,
  type NodeRequest,
  type RouteDeps,
  type RouteGuards,
} from './routeGuards.ts'
import { sequencerPutSchema } from './sequencerApi.ts'
import {
  signFinalizationVote,
  signFinalizationVoteSchema,
  signSyncPointSchema,
  signSyncPointWhenHeld,
} from './signer.ts'

/**
 * Node-to-node routes (§7.8–§7.11), each signed by a known node for this node, now and once
 * (`RouteGuards.nodeAccess`): signing sync points, disputes, switches and the sequencer's PUT.
 */
export function registerPeerRoutes(app: Hono<NodeEnv>, node: RouteDeps, guards: RouteGuards) {
  const { context, role, logs } = node
  const limits = new PeerControlLimits(context.clock.now)

  /**
   * Only the current sequencer may ask for a signature, and not while a switch is under way:
   * checked when the request comes and again right before signing, since the signature's check
   * and a held request's wait come between.
   */
  const requireCurrentSequencer = (signer: string) => {
    if (role.isSequencer) throw new ZsequencerHttpError('IsSequencerError')
    if (signer !== role.sequencerId || role.paused) {
      throw new ZsequencerHttpError(
        'PermissionDeniedError',
        'Only the current sequencer can call this endpoint',
      )
    }
  }

  /** What a signature request must be: a follower's, synced, asked by its sequencer. */
  const admitSignatureRequest = async (c: NodeRequest) => {
    guards.version(c, false)
    if (role.isSequencer) throw new ZsequencerHttpError('IsSequencerError')
    guards.synced()
    await guards.nodeAccess(c, CONTROL_BODY_MAX_BYTES, requireCurrentSequencer)
    // The sequencer is trying to gather signatures, whatever this node answers (`isUnasked`).
    node.watch.asked(context.clock.now())
  }

  /** `POST /node/sign_sync_point`. */
  const postSignSyncPoint = async (c: NodeRequest) => {
    await admitSignatureRequest(c)
    const request = parseBody(signSyncPointSchema, c.get('rawBody'))
    const signer = c.get('signer')
    const signed = await signSyncPointWhenHeld(
      context,
      logs,
      node.chain,
      node.progress,
      request,
      signer,
      () => requireCurrentSequencer(signer),
    )
    // Applied here within the silence border, or the sequencer withholds it (`withheld`).
    node.watch.signed(request.app_name, request.state, request.index, context.clock.now())
    return c.json(success(signed))
  }

  /** `POST /node/sign_finalization_vote` (not in zsequencer; `finalizationTimes.ts`). */
  const postSignFinalizationVote = async (c: NodeRequest) => {
    await admitSignatureRequest(c)
    const request = parseBody(signFinalizationVoteSchema, c.get('rawBody'))
    return c.json(success(signFinalizationVote(context, logs, node.chain, request)))
  }

  /**
   * `POST /node/dispute`: a vote against this node's sequencer, if it sees the problem too; each
   * peer's disputes are limited a second (`PeerControlLimits`).
   */
  const postDispute = async (c: NodeRequest) => {
    guards.version(c, false)
    guards.synced()
    guards.notPaused()
    await guards.nodeAccess(c, CONTROL_BODY_MAX_BYTES, (_, body) =>
      precheckDispute(node, parseBody(disputeSchema, body)),
    )
    limits.chargeDispute(c.get('signer'))
    return c.json(success(handleDispute(node, parseBody(disputeSchema, c.get('rawBody')))))
  }

  /**
   * `POST /node/switch`: enough votes move the role to the next sequencer. zsequencer refuses
   * it while paused; here one that comes during a switch is carried out after it
   * (`SequencerSwitch.start`), so a sequencer voted out while still setting up learns it. Each
   * peer's switch requests are limited before their proofs are checked (`PeerControlLimits`).
   */
  const postSwitch = async (c: NodeRequest) => {
    guards.version(c, false)
    await guards.nodeAccess(c, CONTROL_BODY_MAX_BYTES, (_, body) =>
      precheckSwitch(node, parseBody(switchSchema, body)),
    )
    const signer = c.get('signer')
    limits.chargeSwitch(signer)
    const request = parseBody(switchSchema, c.get('rawBody'))
    return c.json(handleSwitch(node, request, () => limits.convict(signer)))
  }

  /** `PUT /sequencer/batches`: a follower's batches and progress report, on the sequencer. */
  const putSequencerBatches = async (c: NodeRequest) => {
    guards.version(c, true)
    await guards.nodeAccess(c, context.config.maxRequestKb * 1024, () => {
      if (!role.isSequencer) throw new ZsequencerHttpError('IsNotSequencerError')
    })
    if (!role.isSequencer) throw new ZsequencerHttpError('IsNotSequencerError')
    guards.notPaused()
    if (node.synchronizer.cannotStore) {
      throw new ZsequencerHttpError('NotSyncedError', 'The sequencer cannot store finalizations.')
    }
    const request = parseBody(sequencerPutSchema, c.get('rawBody'))
    const signer = c.get('signer')
    node.inbox.admit(signer, request)
    // The bodies are hashed with yields between slices (up to 8 MB of them): the turn that
    // sequences them only chains their digests.
    const slices = new WorkSlices(DEFAULT_WORK_PER_SLICE, nextMacrotask)
    const digests = await bodyDigestsInSlices(request.batches, slices)
    // A switch may have started meanwhile.
    if (!role.isSequencer) throw new ZsequencerHttpError('IsNotSequencerError')
    guards.notPaused()
    const answer = node.inbox.take(signer, request, digests)
    // A follower with nothing to send may ask to hear of the next news at once (our nodes).
    const { followerHoldMs, followerIdleHoldMs } = context.config
    const holdMs = Math.min(request.wait_ms ?? 0, Math.max(followerHoldMs, followerIdleHoldMs))
    if (holdMs === 0 || request.batches.length > 0 || node.inbox.hasNewsFor(request)) {
      return c.json(success(answer))
    }
    // A store that just failed ends the hold too: the follower's next PUT is refused at once.
    const news = () =>
      node.inbox.hasNewsFor(request) ||
      !role.isSequencer ||
      role.paused ||
      node.synchronizer.cannotStore
    const held = node.progress
      .until(news, holdMs, { key: signer, peer: true })
      .then((moved) =>
        success(moved && role.isSequencer ? node.inbox.answer(signer, request) : answer),
      )
    if (request.beat_ms !== undefined) {
      return heldAnswer(request.beat_ms, held, (value) => c.json(value))
    }
    return c.json(await held)
  }

  app.post('/node/sign_sync_point', postSignSyncPoint)
  app.post('/node/sign_finalization_vote', postSignFinalizationVote)
  app.post('/node/dispute', postDispute)
  app.post('/node/switch', postSwitch)
  app.put('/sequencer/batches', putSequencerBatches)
}
