// The event types the editor offers, read from the service's OpenAPI document: the body of POST /events is
// "one of" the event types' JSON Schemas, so a type added to the catalogue appears here with no page code.
// Also the registered ids that reference fields pick from.

import { getJSON, query } from "./api.js";

/** The schema a "$ref" names, followed through the document's components. */
export function resolver(openapi) {
  return function resolve(schema) {
    let current = schema;
    while (current && current.$ref) {
      const name = current.$ref.split("/").pop();
      current = openapi.components.schemas[name];
    }
    return current;
  };
}

/** [{type, title, schema}] for every event type POST /events takes, in the catalogue's order. */
export function eventTypes(openapi) {
  const resolve = resolver(openapi);
  const body = openapi.paths["/events"].post.requestBody.content["application/json"].schema;
  const options = (body.oneOf || []).filter((option) => option.type !== "array"); // the array: a batch of the same
  return options.map(resolve).filter((schema) => schema?.properties?.type?.const).map((schema) => ({
    type: schema.properties.type.const,
    title: schema.title,
    description: schema.description || "",
    schema,
  }));
}

/**
 * What kind of registered id a reference field names, by its name: the same names mean the same kinds in every
 * event type (docs/events.md), so a new type with an `actor` or `conditions` field gets its picker for free.
 */
const KIND_OF_FIELD = {
  actor: "actor", group: "actor", member: "actor", host: "actor", about: "actor",
  participants: "actor", targets: "actor", signatories: "actor", founders: "actor",
  topic: "topic",
  condition: "condition", conditions: "condition",
  claim: "claim",
  corrects: "event", stands: "event", over: "event", earlier: "event", later: "event",
};

export function kindOfField(name) {
  return KIND_OF_FIELD[name] || null;
}

/** The event type that defines ids of each kind (besides actors, which /actors lists). */
const DEFINED_BY = { topic: "topic.defined", condition: "condition.declared", claim: "claim.made" };

async function definedIds(type, field) {
  const found = [];
  let after = 0;
  for (;;) {
    const page = await getJSON(query("/events", { type, after, limit: 1000 }));
    page.events.forEach((event) => found.push({ id: event[field], name: event.name || event.description || event.statement || "" }));
    if (!page.next_after || page.events.length === 0) return found;
    after = page.next_after;
  }
}

/** {actor, topic, condition, claim, event}: each a list of {id, name}, read from the service. */
export async function registeredIds() {
  const [actors, topics, conditions, claims, timeline] = await Promise.all([
    getJSON("/actors"),
    definedIds(DEFINED_BY.topic, "topic"),
    definedIds(DEFINED_BY.condition, "condition"),
    definedIds(DEFINED_BY.claim, "claim"),
    getJSON(query("/timeline", { format: "native" })),
  ]);
  const byName = (a, b) => (a.name || a.id).localeCompare(b.name || b.id);
  return {
    actor: actors.actors.map((a) => ({ id: a.id, name: a.name })).sort(byName),
    topic: topics.sort(byName),
    condition: conditions.sort(byName),
    claim: claims.sort(byName),
    event: timeline.events.map((e) => ({ id: e.id, name: e.headline })),
  };
}
