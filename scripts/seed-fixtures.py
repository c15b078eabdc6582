#!/usr/bin/env python3
"""Writes the contract tests' fixtures (providers/*/testdata/seed/*.json) from the provider
documents in ../shared/seeds: each is one example as the seed prints it, converted to JSON
(the documents' "- " list markers and trailing commas dropped, nothing else changed), with
the seed and lines it comes from. Run from the repository root; the fixtures are committed,
so the tests never need the seeds."""
import json, os, re, sys

SEEDS = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "seeds")
QUICKR = "002_4f8b78ea94024512.txt"

def block(lines, start):
    out, depth, began = [], 0, False
    for i in range(start - 1, len(lines)):
        ln = lines[i]
        if not began:
            k = ln.find("{")
            if k < 0:
                continue
            ln, began = ln[k:], True
        depth += sum(ln.count(c) for c in "{[") - sum(ln.count(c) for c in "}]")
        out.append(ln)
        if depth <= 0:
            return "\n".join(out), i + 1
    raise SystemExit(f"unbalanced example at line {start}")

def tojson(text):
    t = re.sub(r"(^|\n)\s*-\s+", r"\1", text)
    t = re.sub(r"([\{\[,])\s*-\s+", r"\1 ", t)
    t = re.sub(r",\s*([\}\]])", r"\1", t)
    return json.loads(t)

def enum(lines, line):
    """The quoted values after 'Enum:' or 'Value:' on a field-table line."""
    m = re.search(r"(?:Enum|Value):((?:\s*\"[^\"]*\")+)", lines[line - 1])
    return re.findall(r"\"([^\"]*)\"", m.group(1))

# name -> (seed, first line, what, {enum path: field-table line})
QUICKR_FIXTURES = {
    "auth_token.response": (QUICKR, 1115, "example response of POST /auth/token (API guide, Authentication)", {}),
    "case_create.request": (QUICKR, 3405, "request sample of POST /v2/accounts/{aid}/cases (create a case)", {"actions[]": 3392}),
    "case_create_guide.request": (QUICKR, 1314, "the guide's create-case request with checks and urls.callback_url", {}),
    "case_create.response": (QUICKR, 3609, "response sample of POST /v2/accounts/{aid}/cases", {}),
    "case_list.response": (QUICKR, 3895, "response sample of GET /v2/accounts/{aid}/cases", {}),
    "case_get.response": (QUICKR, 4178, "response sample of GET /v2/accounts/{aid}/cases/{cid} (case details)", {}),
    "declaration_get.response": (QUICKR, 6343, "response sample of GET /v2/accounts/{aid}/cases/{cid}/declarations/{did}", {}),
    "declaration_update.request": (QUICKR, 6620, "request sample of PUT /v2/accounts/{aid}/cases/{cid}/declarations/{did}", {"intent": 6617}),
    "declaration_update.response": (QUICKR, 6637, "response sample of PUT /v2/accounts/{aid}/cases/{cid}/declarations/{did}", {}),
    "contract_reopen.request": (QUICKR, 6915, "request sample of POST /v2/accounts/{aid}/cases/{cid}/contracts/{contract_id}", {"actions[]": 6913}),
    "contract_reopen.response": (QUICKR, 6919, "response sample of POST /v2/accounts/{aid}/cases/{cid}/contracts/{contract_id}", {}),
    "contract_get.response": (QUICKR, 6996, "response sample of GET /v2/accounts/{aid}/cases/{cid}/contracts/{contract_id}", {}),
    "events_list.response": (QUICKR, 6273, "response sample of GET /v2/accounts/{aid}/cases/{cid}/events", {}),
    "error.response": (QUICKR, 6313, "error response sample (the only error body the seed shows)", {}),
    "note_create.request": (QUICKR, 7087, "request sample of POST /v2/accounts/{aid}/cases/{cid}/notes", {"section": 7085}),
    "note_create.response": (QUICKR, 7098, "response sample of POST /v2/accounts/{aid}/cases/{cid}/notes", {}),
    "note_list.response": (QUICKR, 7145, "response sample of GET /v2/accounts/{aid}/cases/{cid}/notes", {}),
    "agent_decision.request": (QUICKR, 8218, "request sample of the agent decision (body determined_status, determined_risk_level; the seed's path is lost)",
                               {"determined_status": 8217, "determined_risk_level": 8216}),
    "agent_decision.response": (QUICKR, 8221, "response sample of the agent decision (case details)", {}),
    "automation_guide.request": (QUICKR, 847, "the guide's automation payload (conditions with field, value, path)", {}),
    "automation_create.request": (QUICKR, 3222, "request sample of POST /v2/accounts/{aid}/automations", {}),
    "automation_create.response": (QUICKR, 3241, "response sample of POST /v2/accounts/{aid}/automations", {}),
    "automation_list.response": (QUICKR, 3271, "response sample of GET /v2/accounts/{aid}/automations", {}),
    "automation_update.request": (QUICKR, 3314, "request sample of PUT /v2/accounts/{aid}/automations/{atid}", {}),
    "automation_get.response": (QUICKR, 3362, "response sample of GET /v2/accounts/{aid}/automations/{atid}", {}),
}

def write(pkg, name, seed, start, what, enums):
    lines = open(os.path.join(SEEDS, seed)).read().split("\n")
    text, end = block(lines, start)
    fx = {"source": f"seed {seed[:3]} ({seed}) lines {start}-{end}: {what}", "body": tojson(text)}
    if enums:
        fx["enums"] = {p: enum(lines, ln) for p, ln in enums.items()}
    path = os.path.join("providers", pkg, "testdata", "seed", name + ".json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(fx, f, indent=1, ensure_ascii=False)
        f.write("\n")

def guide_checks(lines):
    """The check types of the guide's "Available checks:" list (seed 002 from line 1177)."""
    out, i = [], 1177
    while i < 1260:
        if lines[i].startswith(": ") and lines[i - 1].strip() and " " not in lines[i - 1].strip():
            out.append(lines[i - 1].strip())
        i += 1
    return [c for c in out if c.islower()]

if __name__ == "__main__":
    for name, (seed, start, what, enums) in QUICKR_FIXTURES.items():
        write("quickr", name, seed, start, what, enums)
    # The create-case request's types: checks from the guide's list (the API sample spells
    # "sanction", the list "sanctions"), sections and prefills as the API sample shows them.
    path = "providers/quickr/testdata/seed/case_create.request.json"
    fx = json.load(open(path))
    lines = open(os.path.join(SEEDS, QUICKR)).read().split("\n")
    fx["enums"]["checks[].type"] = sorted(set(guide_checks(lines)) | {c["type"] for c in fx["body"]["checks"]})
    fx["enums"]["sections[].type"] = [s["type"] for s in fx["body"]["sections"]]
    fx["enums"]["prefills[].type"] = [p["type"] for p in fx["body"]["prefills"]]
    fx["source"] += "; checks[].type also from the guide's \"Available checks\" list, lines 1177-1215"
    with open(path, "w") as f:
        json.dump(fx, f, indent=1, ensure_ascii=False)
        f.write("\n")
