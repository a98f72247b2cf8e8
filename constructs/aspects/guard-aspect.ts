/**
 * Runs guards for the guard-rail Aspects (`Aspects.of(stack).add(new SinkWriterLeastPrivilege())`). The check runs on
 * the stack's resolved Terraform JSON, so it guards every resource of the stack, also ones written with
 * provider classes directly, and reports each violation as an error annotation on the construct it is about:
 * `cdktf synth` (and `app.synth()`) then fails and prints `[construct path] message`.
 *
 * The check is registered as a stack validation when the aspect first visits a stack, so it sees the stack
 * after every aspect has run (other aspects may still change resources after this one visits).
 * Aspects added to the App are not applied by cdktf 0.21: add them to each stack.
 */
import { Annotations, IAspect, TerraformOutput, TerraformStack } from 'cdktf';
import { IConstruct } from 'constructs';
import { findingMessage, Guard, GuardFinding } from '../../review/guards';
import { StackGraph } from '../../review/plan/graph';

export class GuardRunner implements IAspect {
  private readonly stacks = new Set<TerraformStack>();

  /** `guards`: the guards this aspect applies. */
  public constructor(private readonly guards: readonly Guard[]) {}

  public visit(node: IConstruct): void {
    const stack = TerraformStack.of(node);
    if (this.stacks.has(stack)) return;
    this.stacks.add(stack);
    // The scope the aspect was added to is the first node it visits: report only what lies within it.
    const scope = node.node.path;
    stack.node.addValidation({
      validate: () => {
        const graph = StackGraph.fromJson(stack.toTerraform() as object, `stack ${stack.node.id}`);
        for (const finding of this.guards.flatMap((guard) => guard(graph))) {
          const target = locate(stack, finding);
          if (
            target.node.path === scope ||
            target.node.path.startsWith(`${scope}/`) ||
            scope === stack.node.path
          ) {
            Annotations.of(target).addError(findingMessage(finding));
          }
        }
        // Reported as annotations (with construct paths), not as validation messages.
        return [];
      },
    });
  }
}

/** The construct a finding is about: the resource's construct, the output, or else the stack. */
function locate(stack: TerraformStack, finding: GuardFinding): IConstruct {
  const all = stack.node.findAll();
  if (finding.constructPath !== undefined) {
    const found = all.find((c) => c.node.path === finding.constructPath);
    if (found !== undefined) return found;
  }
  if (finding.address.startsWith('output.')) {
    const name = finding.address.slice('output.'.length);
    const output = all.find((c) => c instanceof TerraformOutput && c.friendlyUniqueId === name);
    if (output !== undefined) return output;
  }
  return stack;
}
