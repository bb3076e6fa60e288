// A form built from an event type's JSON Schema (from the service's OpenAPI document): one control per field,
// chosen by the field's schema (enum: a list; EDTF date: a text field that says the date in words; a reference to
// an actor, topic, condition, ...: a pick from the registered ids; an object: a group; an array of objects:
// groups you can add and remove). Nothing here names an event type.

import { inWords } from "./dates.js";
import { h } from "./dom.js";
import { kindOfField } from "./catalogue.js";

const ID_PATTERN = "^[A-Za-z0-9._:-]{1,128}$";
/** The envelope's fields, shown first (id, date) and last (summary, sources, tags) around the type's own. */
const FIRST = ["id", "occurred"];
const LAST = ["summary", "sources", "tags"];
/** The longest text a single-line input takes; longer ones get a text area. */
const LINE = 500;

/** A registered id's name, cut to fit in a list. */
const shorten = (text) => (text.length > 60 ? `${text.slice(0, 59)}…` : text);

let serial = 0;
const uid = (path) => `f${++serial}-${path.replace(/[^A-Za-z0-9]/g, "-")}`;

/** A field's schema without its "or null" wrapper: the non-null option, with the wrapper's own keys. */
function unwrap(schema, resolve) {
  const resolved = resolve(schema);
  const options = resolved.oneOf || resolved.anyOf;
  if (!options) return { schema: resolved, nullable: false };
  const kept = options.filter((option) => option.type !== "null");
  const { oneOf, anyOf, ...outer } = resolved;
  return { schema: { ...resolve(kept[0]), ...outer }, nullable: kept.length < options.length };
}

function isDate(schema) {
  return typeof schema.description === "string" && schema.description.startsWith("an EDTF date");
}

function label(name) {
  const text = name.replaceAll("_", " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function ordered(properties) {
  const names = Object.keys(properties).filter((name) => name !== "type");
  const own = names.filter((name) => !FIRST.includes(name) && !LAST.includes(name));
  return [...FIRST.filter((n) => names.includes(n)), ...own, ...LAST.filter((n) => names.includes(n))];
}

/** The words under a date field: what the typed date means, or that the service will not read it. */
function dateWords(input, schema, output) {
  const pattern = schema.pattern ? new RegExp(schema.pattern, "u") : null;
  const say = () => {
    const text = input.value.trim();
    if (!text) output.textContent = "";
    else if (pattern && !pattern.test(text)) output.textContent = "Not a date the service reads (see the examples).";
    else output.textContent = `Means: ${inWords(text)}`;
    output.dataset.valid = String(!text || !pattern || pattern.test(text));
  };
  input.addEventListener("input", say);
  return say;
}

function idList(kind, ids) {
  const list = h("datalist", { id: uid(`ids-${kind}`) },
    (ids[kind] || []).map((entry) => h("option", { value: entry.id }, entry.name ? shorten(entry.name) : entry.id)));
  return list;
}

/** One field: a wrapper carrying its path (where the service's faults land) and how to read its value. */
function field(name, schema, { required, path, resolve, ids, value }) {
  const { schema: inner, nullable } = unwrap(schema, resolve);
  const id = uid(path);
  const wrapper = h("div", { class: "form-field", dataset: { path, field: name } });
  const title = h("label", { for: id }, label(name), required ? h("span", { class: "required" }, " (required)") : null);
  const hintText = isDate(inner)
    ? "An EDTF date: 2026-01-06, 2026-01, 2025-12~ (about), 2025-21 (spring), 2026-01-06/2026-01-09, 2025-06/.."
    : inner.description && !inner.description.startsWith("the id of") ? inner.description : null;
  const hint = hintText ? h("p", { class: "hint", id: `${id}-hint` }, hintText) : null;
  let control;
  let read;

  if (inner.const !== undefined) {
    return { element: null, read: () => inner.const };
  }
  if (inner.type === "object" && inner.properties) {
    const group = objectFields(inner, { path, resolve, ids, value: value || {} });
    const element = h("fieldset", { class: "form-group", dataset: { path, field: name } },
      h("legend", {}, label(name), nullable || !required ? h("span", { class: "muted" }, " (optional)") : null),
      hint, group.element);
    return { element, read: () => group.read(!required) };
  }
  if (inner.type === "object") { // free-form (a correction's replacement): JSON
    control = h("textarea", { id, rows: 6, class: "json", spellcheck: "false" });
    control.value = value ? JSON.stringify(value, null, 2) : "";
    read = () => {
      const text = control.value.trim();
      if (!text) return undefined;
      try {
        return JSON.parse(text);
      } catch {
        return text; // sent as it is: the service names the fault by this field
      }
    };
  } else if (inner.type === "array") {
    const items = unwrap(inner.items || {}, resolve).schema;
    if (items.type === "object" && items.properties) return repeated(name, inner, items, { required, path, resolve, ids, value });
    const kind = items.pattern === ID_PATTERN ? kindOfField(name) : null;
    if (kind && ids[kind]?.length) {
      control = h("select", { id, multiple: true, size: Math.min(6, ids[kind].length) },
        [...new Set([...(value || []), ...ids[kind].map((e) => e.id)])].map((optionId) => {
          const entry = ids[kind].find((e) => e.id === optionId);
          return h("option", { value: optionId, selected: (value || []).includes(optionId) },
            entry?.name ? `${optionId} · ${shorten(entry.name)}` : optionId);
        }));
      read = () => {
        const chosen = [...control.selectedOptions].map((option) => option.value);
        return chosen.length || required ? chosen : undefined;
      };
    } else {
      control = h("input", { id, type: "text", placeholder: "separate items with ;" });
      control.value = (value || []).join("; ");
      read = () => {
        const list = control.value.split(";").map((part) => part.trim()).filter(Boolean);
        return list.length || required ? list : undefined;
      };
    }
  } else if (inner.enum) {
    control = h("select", { id },
      required && !nullable ? null : h("option", { value: "" }, "—"),
      inner.enum.map((option) => h("option", { value: option, selected: value === option }, option)));
    if (required && value === undefined) control.selectedIndex = -1;
    read = () => (control.value === "" ? undefined : control.value);
  } else if (inner.type === "boolean") {
    control = h("input", { id, type: "checkbox", checked: Boolean(value) });
    read = () => (control.checked ? true : undefined);
  } else if (inner.type === "number" || inner.type === "integer") {
    control = h("input", { id, type: "number", step: inner.type === "integer" ? "1" : "any", value: value ?? null });
    read = () => (control.value === "" ? undefined : Number(control.value));
  } else {
    const link = String(inner.pattern || "").startsWith("^https?://");
    const long = !link && (inner.maxLength || 0) > LINE;
    control = long ? h("textarea", { id, rows: 3 }) : h("input", { id, type: link ? "url" : "text" });
    control.value = value ?? "";
    read = () => (control.value.trim() === "" ? undefined : control.value.trim());
    const kind = inner.pattern === ID_PATTERN ? kindOfField(name) : null;
    if (kind && ids[kind]?.length) {
      const list = idList(kind, ids);
      control.setAttribute("list", list.id);
      control.setAttribute("autocomplete", "off");
      wrapper.append(list);
    }
    if (isDate(inner)) {
      const output = h("p", { class: "date-words", id: `${id}-words`, "aria-live": "polite" });
      const say = dateWords(control, inner, output);
      say();
      control.setAttribute("aria-describedby", `${id}-words`);
      wrapper.prepend(title, control, output);
      if (hint) wrapper.append(hint);
      return { element: wrapper, read };
    }
  }
  if (hint) control.setAttribute("aria-describedby", hint.id);
  wrapper.prepend(title, control);
  if (hint) wrapper.append(hint);
  return { element: wrapper, read };
}

/** An array of objects (sources, provisions): one group per item, with buttons to add and remove items. */
function repeated(name, schema, items, { required, path, resolve, ids, value }) {
  const list = h("ol", { class: "form-items" });
  const entries = [];
  const minimum = schema.minItems || 0;
  const singular = name.endsWith("s") ? name.slice(0, -1) : name;

  function renumber() {
    // Paths follow the items' positions, so the service's faults ($.sources[1].url) land on the right group.
    entries.forEach((entry, index) => {
      entry.li.querySelectorAll("[data-path]").forEach((element) => {
        element.dataset.path = element.dataset.path.replace(new RegExp(`^${literal(path)}\\[\\d+\\]`), `${path}[${index}]`);
      });
      entry.legend.textContent = `${label(singular)} ${index + 1}`;
      entry.remove.hidden = entries.length <= minimum;
    });
  }

  function add(itemValue) {
    const index = entries.length;
    const group = objectFields(items, { path: `${path}[${index}]`, resolve, ids, value: itemValue || {} });
    const legend = h("legend", {});
    const remove = h("button", { type: "button", class: "remove" }, `Remove this ${singular}`);
    const li = h("li", {}, h("fieldset", { class: "form-group", dataset: { path: `${path}[${index}]` } }, legend,
      group.element, remove));
    const entry = { li, legend, remove, group };
    remove.addEventListener("click", () => {
      entries.splice(entries.indexOf(entry), 1);
      li.remove();
      renumber();
    });
    entries.push(entry);
    list.append(li);
    renumber();
  }

  (value && value.length ? value : Array.from({ length: Math.max(minimum, 0) }, () => ({}))).forEach(add);
  const element = h("fieldset", { class: "form-group repeated", dataset: { path, field: name } },
    h("legend", {}, label(name), required ? h("span", { class: "required" }, " (required)") : null),
    list, h("button", { type: "button", class: "add", onclick: () => add({}) }, `Add a ${singular}`));
  return {
    element,
    read: () => {
      const values = entries.map((entry) => entry.group.read(true)).filter((item) => item !== undefined);
      return values.length || required ? values : undefined;
    },
  };
}

/** ``text`` as a regular expression that matches it literally. */
function literal(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The fields of an object schema; ``read(optional)`` leaves out an optional object left empty. ``overrides`` maps
 * a field name to a function building its {element, read} instead (a correction's replacement).
 */
function objectFields(schema, { path, resolve, ids, value, overrides = {} }) {
  const required = new Set(schema.required || []);
  const fields = ordered(schema.properties).map((name) => {
    const options = { required: required.has(name), path: path ? `${path}.${name}` : name, resolve, ids, value: value[name] };
    return [name, overrides[name] ? overrides[name](options) : field(name, schema.properties[name], options)];
  });
  const element = h("div", { class: "form-fields" }, fields.map(([, f]) => f.element));
  return {
    element,
    read(optional = false) {
      const out = {};
      for (const [name, f] of fields) {
        const v = f.read();
        if (v !== undefined) out[name] = v;
      }
      if (schema.properties.type?.const !== undefined) out.type = schema.properties.type.const;
      const filled = Object.keys(out).filter((name) => name !== "type");
      return optional && filled.length === 0 ? undefined : out;
    },
  };
}

/** The path of a fault's pointer inside one event: "$[0].sources[1].url" and "$.sources[1].url" -> "sources[1].url". */
export function pathOf(pointer) {
  return String(pointer || "$").replace(/^\$(\[\d+\])?\.?/, "");
}

/**
 * The form of one event type. ``value``: an event to start from. Answers {element, read(), showFaults(faults),
 * clearFaults()}: ``read()`` is the event as JSON; ``showFaults`` puts each {pointer, message} by its field (and
 * answers those that name no field of the form).
 */
export { objectFields };

export function eventForm(schema, { resolve, ids, value = {}, overrides = {} }) {
  const group = objectFields(schema, { path: "", resolve, ids, value, overrides });
  const element = h("div", { class: "event-form", dataset: { type: schema.properties.type.const } }, group.element);

  function clearFaults() {
    element.querySelectorAll(".fault").forEach((fault) => {
      const control = fault.previousElementSibling;
      const described = control?.getAttribute("aria-describedby");
      if (described) control.setAttribute("aria-describedby", described.split(" ").filter((id) => id !== fault.id).join(" "));
      fault.remove();
    });
    element.querySelectorAll("[aria-invalid]").forEach((control) => control.removeAttribute("aria-invalid"));
  }

  const parent = (path) => path.replace(/(^|\.)[^.[\]]+$|\[\d+\]$/, "");

  /** The field a path names, or its nearest enclosing group; ``alsoUnder``: a group to look in next. */
  function closest(path, alsoUnder) {
    const find = (p) => element.querySelector(`[data-path="${CSS.escape(p)}"]`);
    let start = path;
    if (alsoUnder && !find(path) && find(`${alsoUnder}.${path}`)) start = `${alsoUnder}.${path}`;
    for (let p = start; p; p = parent(p)) {
      const target = find(p);
      if (target) return target;
    }
    return null;
  }

  function showFaults(faults, { alsoUnder = null } = {}) {
    clearFaults();
    const elsewhere = [];
    for (const fault of faults) {
      const target = closest(pathOf(fault.pointer), alsoUnder);
      if (!target) {
        elsewhere.push(fault);
        continue;
      }
      const message = h("p", { class: "fault", role: "alert", dataset: { pointer: fault.pointer } }, fault.message);
      const control = target.querySelector(":scope > input, :scope > select, :scope > textarea");
      if (control) {
        control.setAttribute("aria-invalid", "true");
        message.id = `${control.id}-fault`;
        control.setAttribute("aria-describedby", [control.getAttribute("aria-describedby"), message.id].filter(Boolean).join(" "));
        control.after(message);
      } else {
        target.querySelector(":scope > legend")?.after(message) ?? target.prepend(message);
      }
    }
    return elsewhere;
  }

  return { element, read: () => group.read(false), showFaults, clearFaults };
}
