/**
 * The dependency graph as a picture: Graphviz DOT (rendered to SVG) and Mermaid (for pull-request
 * comments). Arrows point from a resource to what it depends on; the exporter -> sink -> key -> user ->
 * bucket chain of each exporter is drawn as bold, labelled links on top, with its nodes filled.
 */
import path from 'node:path';
import { StackGraph } from './plan/graph';
import { ChainLink } from './exporters';
import { StackReview } from './report';

interface PictureNode {
  readonly id: string;
  readonly address: string;
  readonly label: string;
  readonly cluster: string;
  readonly role?: ChainLink['role'];
}

interface Picture {
  readonly nodes: readonly PictureNode[];
  readonly dependencies: readonly {
    readonly from: string;
    readonly to: string;
    readonly explicit: boolean;
  }[];
  readonly chain: readonly { readonly from: string; readonly to: string; readonly label: string }[];
}

const ROLE_COLORS: Record<ChainLink['role'], string> = {
  exporter: '#cfe2ff',
  sink: '#ffe5b4',
  key: '#ffd6d6',
  user: '#e2d6ff',
  'task role': '#e2d6ff',
  bucket: '#d4f5d4',
};

function picture(graph: StackGraph, review: StackReview): Picture {
  const roles = new Map<string, ChainLink['role']>();
  const chain: { from: string; to: string; label: string }[] = [];
  const seen = new Set<string>();
  for (const exporter of review.exporters) {
    exporter.chain.forEach((link, i) => {
      if (!roles.has(link.address)) roles.set(link.address, link.role);
      if (i === 0) return;
      // Links follow the chain; a user with several buckets links each one from the user.
      const from = [...exporter.chain.slice(0, i)].reverse().find((l) => l.role !== 'bucket')!;
      const key = `${from.address}>${link.address}`;
      if (!seen.has(key)) {
        seen.add(key);
        chain.push({ from: from.address, to: link.address, label: link.role });
      }
    });
  }
  const ids = new Map(graph.nodes.map((n, i) => [n.address, `n${i}`]));
  // Chain ends outside the stack (an existing bucket) are drawn as extra nodes.
  const externals = [
    ...new Set(review.exporters.flatMap((e) => e.chain.filter((l) => l.external).map((l) => l.address))),
  ].sort();
  externals.forEach((name, i) => ids.set(name, `x${i}`));
  const stackPrefix = `${graph.stackName}/`;
  const nodes: PictureNode[] = graph.nodes.map((n) => {
    const relative = n.constructPath?.startsWith(stackPrefix)
      ? n.constructPath.slice(stackPrefix.length)
      : n.name;
    const cluster = path.posix.dirname(relative);
    const role = roles.get(n.address);
    return {
      id: ids.get(n.address)!,
      address: n.address,
      label: `${role ? `[${role}] ` : ''}${relative}\n${n.mode === 'data' ? 'data.' : ''}${n.type}`,
      cluster: cluster === '.' ? '' : cluster,
      ...(role ? { role } : {}),
    };
  });
  for (const name of externals) {
    nodes.push({
      id: ids.get(name)!,
      address: name,
      label: `[bucket] ${name}\n(existing, not in this stack)`,
      cluster: '',
      role: 'bucket',
    });
  }
  return {
    nodes,
    dependencies: graph.edges.map((e) => ({
      from: ids.get(e.from)!,
      to: ids.get(e.to)!,
      explicit: e.kind === 'depends_on',
    })),
    chain: chain.map((c) => ({ from: ids.get(c.from)!, to: ids.get(c.to)!, label: c.label })),
  };
}

/** Graphviz DOT text. */
export function renderDot(graph: StackGraph, review: StackReview): string {
  const p = picture(graph, review);
  const q = (s: string) => JSON.stringify(s);
  const lines = [
    `digraph ${q(graph.stackName)} {`,
    '  rankdir=LR;',
    '  node [shape=box, style="rounded,filled", fillcolor="#f6f6f6", fontname="Helvetica", fontsize=10, margin="0.25,0.08"];',
    '  edge [color="#9a9a9a", arrowsize=0.6, fontname="Helvetica"];',
    `  label=${q(`${graph.stackName}: arrows point to dependencies; bold links: exporter -> sink -> key -> user -> bucket`)};`,
    '  labelloc=t; fontname="Helvetica";',
  ];
  const clusters = [...new Set(p.nodes.map((n) => n.cluster))].sort();
  clusters.forEach((cluster, i) => {
    const members = p.nodes.filter((n) => n.cluster === cluster);
    const indent = cluster === '' ? '  ' : '    ';
    if (cluster !== '')
      lines.push(`  subgraph cluster_${i} {`, `    label=${q(cluster)}; style="rounded"; color="#cccccc";`);
    for (const n of members) {
      const fill = n.role ? `, fillcolor=${q(ROLE_COLORS[n.role])}, penwidth=1.5` : '';
      lines.push(`${indent}${n.id} [label=${q(n.label)}, tooltip=${q(n.address)}${fill}];`);
    }
    if (cluster !== '') lines.push('  }');
  });
  for (const d of p.dependencies)
    lines.push(
      `  ${d.from} -> ${d.to}${d.explicit ? ' [style=dashed, label="depends_on", fontsize=8]' : ''};`,
    );
  for (const c of p.chain) {
    lines.push(
      `  ${c.from} -> ${c.to} [color="#1f5fbf", penwidth=2.5, fontcolor="#1f5fbf", fontsize=9, label=${q(c.label)}, constraint=false];`,
    );
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** Mermaid flowchart text. */
export function renderMermaid(graph: StackGraph, review: StackReview): string {
  const p = picture(graph, review);
  const label = (s: string) => `"${s.replace(/"/g, '#quot;').replace(/\n/g, '<br/>')}"`;
  const lines = ['flowchart LR'];
  const clusters = [...new Set(p.nodes.map((n) => n.cluster))].sort();
  clusters.forEach((cluster, i) => {
    const members = p.nodes.filter((n) => n.cluster === cluster);
    const indent = cluster === '' ? '  ' : '    ';
    if (cluster !== '') lines.push(`  subgraph c${i}[${label(cluster)}]`);
    for (const n of members) lines.push(`${indent}${n.id}[${label(n.label)}]`);
    if (cluster !== '') lines.push('  end');
  });
  for (const d of p.dependencies)
    lines.push(`  ${d.from} ${d.explicit ? '-.->|depends_on|' : '-->'} ${d.to}`);
  for (const c of p.chain) lines.push(`  ${c.from} ==>|${c.label}| ${c.to}`);
  for (const [role, color] of Object.entries(ROLE_COLORS)) {
    const members = p.nodes.filter((n) => n.role === role).map((n) => n.id);
    if (members.length === 0) continue;
    const cls = role.replace(' ', '_');
    lines.push(`  classDef ${cls} fill:${color},stroke:#333,stroke-width:1.5px`);
    lines.push(`  class ${members.join(',')} ${cls}`);
  }
  if (p.chain.length > 0) {
    const first = p.dependencies.length;
    lines.push(`  linkStyle ${p.chain.map((_, i) => first + i).join(',')} stroke:#1f5fbf,stroke-width:3px`);
  }
  return `${lines.join('\n')}\n`;
}
