// A validation rule that refuses an operation nested deeper than `max` levels before it
// runs: { book { author { name } } } is 3 levels deep. Fragments count where they are
// spread, so a fragment cannot hide depth.
"use strict";
const { GraphQLError, Kind } = require("graphql");

function measure(selectionSet, context, seen) {
  let deepest = 0;
  for (const sel of selectionSet.selections) {
    if (sel.kind === Kind.FIELD) {
      deepest = Math.max(deepest, 1 + (sel.selectionSet ? measure(sel.selectionSet, context, seen) : 0));
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, measure(sel.selectionSet, context, seen));
    } else if (sel.kind === Kind.FRAGMENT_SPREAD) {
      const name = sel.name.value;
      const fragment = context.getFragment(name);
      if (fragment && !seen.has(name)) { // a fragment cycle is reported by another rule
        seen.add(name);
        deepest = Math.max(deepest, measure(fragment.selectionSet, context, seen));
        seen.delete(name);
      }
    }
  }
  return deepest;
}

function depthLimit(max) {
  return (context) => ({
    OperationDefinition(node) {
      const depth = measure(node.selectionSet, context, new Set());
      if (depth > max) {
        context.reportError(new GraphQLError(
          `the operation is ${depth} levels deep; at most ${max} are allowed`,
          { nodes: [node], extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }));
      }
    },
  });
}

module.exports = { depthLimit };
