// The stance scale (events/vocabulary.py STANCES), lowest to highest, with the short text each
// matrix cell shows: the colour is never the only sign of a stance.

export const STANCES = [
  { stance: "hostile", abbr: "HOS" },
  { stance: "declined", abbr: "DEC" },
  { stance: "reluctant", abbr: "REL" },
  { stance: "undecided", abbr: "UND" },
  { stance: "supportive", abbr: "SUP" },
  { stance: "conditional", abbr: "CND" },
  { stance: "committed", abbr: "COM" },
  { stance: "delivered", abbr: "DLV" },
];

const ABBREVIATIONS = Object.fromEntries(STANCES.map((s) => [s.stance, s.abbr]));

/** The cell text of a stance; an unknown word (a newer server) shows in full. */
export function abbreviation(stance) {
  return ABBREVIATIONS[stance] || stance;
}
