/**
 * Reading what Sentinel publishes (pure). Messages follow
 * `<instance-type> <name> <ip> <port> @ <master-name> <master-ip> <master-port>` (the `@` part
 * only for replicas and sentinels), except `+switch-master <name> <old ip> <old port> <new ip>
 * <new port>` and a few without any master (`+new-epoch <epoch>`). See
 * https://redis.io/docs/latest/operate/oss_and_stack/management/sentinel/#pubsub-messages
 */

/** The channel Sentinels use to discover each other: chatter, not an event. */
export const HELLO_CHANNEL = '__sentinel__:hello';

/** The master group a message is about, or undefined when it names none. */
export function masterNameOf(channel: string, message: string): string | undefined {
  const words = message.split(' ');
  if (channel === '+switch-master') return words[0];
  const at = words.indexOf('@');
  if (at !== -1) return words[at + 1];
  if (words[0] === 'master') return words[1];
  return undefined;
}

/** How an event reads at a glance: a change for the worse, for the better, or a step. */
export type EventTone = 'bad' | 'good' | 'switch' | 'step';

/** The tone of a channel, for colour. */
export function toneOf(channel: string): EventTone {
  if (channel === '+switch-master') return 'switch';
  if (/^\+(sdown|odown)$|^-failover-abort|^\+failover-abort|^-(slave|sentinel)-/.test(channel)) return 'bad';
  if (/^-(sdown|odown)$|^\+failover-end$|^\+promoted-slave$/.test(channel)) return 'good';
  return 'step';
}

/** Turns a RESP2 flat `[key, value, key, value…]` reply (SENTINEL MASTER …) into an object. */
export function pairsToObject(reply: unknown): Record<string, string> {
  const object: Record<string, string> = {};
  if (!Array.isArray(reply)) return object;
  for (let i = 0; i + 1 < reply.length; i += 2) object[String(reply[i])] = String(reply[i + 1]);
  return object;
}

/** Sentinel's comma-separated flags (`slave,s_down`) as a list. */
export function flagsOf(value: string | undefined): string[] {
  return value ? value.split(',').filter((f) => f !== '') : [];
}
