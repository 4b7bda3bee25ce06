/**
 * The questions discovery asks one sentinel about a master group, and the checks an answer
 * passes before anyone believes it. Every address a sentinel names is admitted (natMap,
 * allowedHosts) here; which master to adopt is the reducer's decision, not this module's.
 */
import { type Address, formatAddress, sameAddress } from '../address.js';
import { SentinelPermissionError } from '../errors.js';
import { isPermissionDenied, notAllowedOutcome, unknownMasterOutcome } from '../failure-classification.js';
import type { NormalizedSentinelOptions } from '../options.js';
import { hasDownFlag, type ReplicaInfo } from '../topology.js';
import type { SentinelClient } from './sentinel-client.js';
import { parseMasterAddress, parseMasterState, parseReplicas, parseSentinels } from './sentinel-replies.js';
import type { MasterAnswer } from './topology-diff.js';

/** The optional questions, and what the client goes without when a sentinel refuses one. */
const OPTIONAL = {
  master: 'its answers are not checked for down flags, config epochs and minOtherSentinels',
  replicas: 'no replica is learned from it (replicaFor() reads go to the master, or fail)',
  sentinels: 'no other sentinel is learned from it (no sentinel-list refresh)',
} as const;

/** Questions about one master group, in the shape `SentinelSet.askInOrder` and `askAll` take. */
export class MasterQuestions {
  /** `host:port subcommand` of the refusals reported so far: each is reported once. */
  private readonly reported = new Set<string>();

  constructor(
    private readonly name: string,
    private readonly options: Pick<NormalizedSentinelOptions, 'minOtherSentinels' | 'updateSentinels'>,
    /** Translates an announced address and checks it against allowedHosts; reports a refusal. */
    private readonly admit: (announced: Address, via: string) => Address | undefined,
    /**
     * Learns the sentinels a peer listed (SENTINEL SENTINELS answered): the new ones join, and
     * those it no longer lists may leave (sentinel-retirement.ts).
     */
    private readonly learnSentinels: (answeredBy: Address, listed: Address[]) => void,
    /** Reports a problem that does not fail discovery (the `error` event). */
    private readonly report: (error: Error) => void,
  ) {}

  /**
   * Asks an optional question: on any failure the answer is `fallback`. A refusal by the ACL
   * (NOPERM) will not go away by itself, so it is reported (the debug log and the `error`
   * event), once per sentinel and question.
   */
  private askOptional(
    client: SentinelClient,
    subcommand: keyof typeof OPTIONAL,
    fallback: unknown,
  ): Promise<unknown> {
    return client.ask(subcommand, this.name).catch((error: unknown) => {
      const key = `${client.label} ${subcommand}`;
      if (isPermissionDenied(error) && !this.reported.has(key)) {
        this.reported.add(key);
        const consequence = OPTIONAL[subcommand];
        this.report(
          new SentinelPermissionError(client.label, `sentinel|${subcommand}`, consequence, { cause: error }),
        );
      }
      return fallback;
    });
  }

  /**
   * `SENTINEL GET-MASTER-ADDR-BY-NAME`, checked as redis-py's `check_master_state` does: the
   * sentinel must not see the master as down, and must see enough peers. During a failover the
   * leader already names the promoted replica while its master entry still carries the old
   * master's down flags, so the flags only disqualify an answer that names that old master.
   */
  async askMaster(
    client: SentinelClient,
    accept: (answer: MasterAnswer) => boolean = () => true,
  ): Promise<{ value: MasterAnswer } | { refused: string }> {
    const [addressReply, stateReply] = await Promise.all([
      client.ask('get-master-addr-by-name', this.name),
      this.askOptional(client, 'master', undefined),
    ]);
    const announced = parseMasterAddress(addressReply);
    if (!announced) return { refused: unknownMasterOutcome(this.name) };
    const state = parseMasterState(stateReply);
    if (state && sameAddress(state, announced) && hasDownFlag(state.flags)) {
      return { refused: `reports ${formatAddress(announced)} as down (${state.flags.join(',')})` };
    }
    if (state && state.otherSentinelCount < this.options.minOtherSentinels) {
      return { refused: `sees ${state.otherSentinelCount} other sentinels, fewer than minOtherSentinels` };
    }
    const address = this.admit(announced, client.label);
    if (!address) return { refused: notAllowedOutcome(formatAddress(announced)) };
    const answer = { master: address, epoch: state?.configEpoch };
    if (!accept(answer))
      return { refused: `names ${formatAddress(address)} (epoch ${answer.epoch}), nothing newer` };
    return { value: answer };
  }

  async askTopology(
    client: SentinelClient,
  ): Promise<{ value: MasterAnswer & { replicas: ReplicaInfo[] | undefined } } | { refused: string }> {
    const [master, replicasReply, sentinelsReply] = await Promise.all([
      this.askMaster(client),
      this.askOptional(client, 'replicas', undefined),
      this.options.updateSentinels
        ? this.askOptional(client, 'sentinels', undefined)
        : Promise.resolve(undefined),
    ]);
    if ('refused' in master) return master;
    // A failed question is no answer: it must not count as a list that left everyone out.
    if (sentinelsReply !== undefined) {
      const listed: Address[] = [];
      for (const peer of parseSentinels(sentinelsReply)) {
        const address = this.admit(peer, client.label);
        if (address) listed.push(address);
      }
      this.learnSentinels(client.address, listed);
    }
    // A failed question is no answer: an empty list would make every replica leave the pools.
    const replicas =
      replicasReply === undefined ? undefined : this.admitReplicas(parseReplicas(replicasReply), client);
    return { value: { ...master.value, replicas } };
  }

  private admitReplicas(replicas: ReplicaInfo[], client: SentinelClient): ReplicaInfo[] {
    const out: ReplicaInfo[] = [];
    for (const replica of replicas) {
      const address = this.admit(replica, client.label);
      if (address) out.push({ ...replica, host: address.host, port: address.port });
    }
    return out;
  }
}
