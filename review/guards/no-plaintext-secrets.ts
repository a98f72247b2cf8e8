/**
 * Guard: secrets stay in encrypted storage. No secret-bearing attribute (an access key's secret, a secret
 * version's value, ...) may reach an output (outputs are printed and stored unencrypted, `sensitive` only
 * hides them on screen), a tag (tags are readable with tag:GetResources and show in billing), or a plain
 * environment variable (readable by anyone who can describe the task definition). An access key either has
 * a `pgp_key` or its secret is consumed only by the sink's Secrets Manager secret version.
 */
import { SECRET_ENVIRONMENT } from '../../runtime/config/environment';
import { containersOf } from '../plan/ecs';
import { StackGraph } from '../plan/graph';
import { secretReferencesIn, secretUses } from '../plan/secrets';
import { findingAt, GuardFinding, sortFindings } from './finding';

const RULE = 'no-plaintext-secrets';

const TAG_ATTRIBUTES = new Set(['tags', 'tags_all', 'default_tags', 'labels']);

/** Every place a secret leaves encrypted storage. */
export function checkNoPlaintextSecrets(graph: StackGraph): GuardFinding[] {
  const findings: GuardFinding[] = [];
  const uses = secretUses(graph);

  for (const use of uses) {
    const secret = use.reference.text;
    if (use.by.startsWith('output.')) {
      findings.push(
        findingAt(
          graph,
          RULE,
          use.by,
          `the output exposes the secret ${secret}`,
          'remove the output (sensitive = true only hides it on screen; it is still stored and printed by ' +
            '`terraform output -json`); read the secret from Secrets Manager when needed',
        ),
      );
    } else if (TAG_ATTRIBUTES.has(use.attribute)) {
      findings.push(
        findingAt(
          graph,
          RULE,
          use.by,
          `its ${use.attribute} hold the secret ${secret}`,
          'remove the secret from the tags',
        ),
      );
    }
  }

  for (const node of graph.nodes) {
    if (node.type === 'aws_ecs_task_definition') findings.push(...checkTaskDefinition(graph, node.address));
    const env = node.block.environment;
    if (env !== undefined) {
      for (const ref of secretReferencesIn(graph, env)) {
        findings.push(
          findingAt(
            graph,
            RULE,
            node.address,
            `its environment holds the secret ${ref.text} in plain text`,
            'pass the secret by reference (ECS `secrets`, or the Secrets Manager ARN for the program to read)',
          ),
        );
      }
    }
  }

  for (const key of graph.ofType('aws_iam_access_key')) {
    if (typeof key.block.pgp_key === 'string' && key.block.pgp_key !== '') continue;
    const keyUses = uses.filter((u) => u.reference.node === key.address);
    const stray = keyUses.filter(
      (u) =>
        !(graph.node(u.by)?.type === 'aws_secretsmanager_secret_version' && u.attribute === 'secret_string'),
    );
    const fix =
      "store the secret only in the sink's Secrets Manager secret (S3Sink does), or set pgpKey so the state " +
      'holds only ciphertext, or use WriterMode.TASK_ROLE to need no key at all';
    if (keyUses.length === 0) {
      findings.push(
        findingAt(
          graph,
          RULE,
          key.address,
          'its secret is consumed by nothing and lies in the Terraform state in plain text',
          fix,
        ),
      );
    } else if (stray.length > 0) {
      findings.push(
        findingAt(
          graph,
          RULE,
          key.address,
          `its secret is used outside the sink secret, by ${[...new Set(stray.map((u) => `${u.by} (${u.attribute})`))].join(', ')}`,
          fix,
        ),
      );
    }
  }
  return sortFindings(findings);
}

function checkTaskDefinition(graph: StackGraph, address: string): GuardFinding[] {
  const node = graph.get(address);
  const read = containersOf(node);
  const fix =
    "move it to the container's `secrets` (valueFrom = the Secrets Manager secret ARN), as BatchExporter does";
  if (!read.ok) {
    return secretReferencesIn(graph, node.block.container_definitions).map((ref) =>
      findingAt(
        graph,
        RULE,
        address,
        `its container definitions (${read.reason}) reference the secret ${ref.text}`,
        fix,
      ),
    );
  }
  const findings: GuardFinding[] = [];
  for (const container of read.containers) {
    for (const variable of container.environment) {
      for (const ref of secretReferencesIn(graph, variable.value)) {
        findings.push(
          findingAt(
            graph,
            RULE,
            address,
            `container ${container.name} has the secret ${ref.text} in plain environment variable ${variable.name}`,
            fix,
          ),
        );
      }
      if ((SECRET_ENVIRONMENT as readonly string[]).includes(variable.name)) {
        findings.push(
          findingAt(
            graph,
            RULE,
            address,
            `container ${container.name} sets the secret-bearing variable ${variable.name} in plain environment (value not shown)`,
            fix,
          ),
        );
      }
    }
  }
  return findings;
}
