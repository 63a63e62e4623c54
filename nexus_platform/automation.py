"""What runs when: the platform's automation conditions, named once.

Every asset takes its condition from here; the automation sensor (under the daemon) and
`nexus refresh` (in process, `refresh.automate`) evaluate these same conditions, so the rule
of what runs when lives in one place. Gates hold on every path: a failed blocking check stops
what is downstream of it in the run, and `all_deps_blocking_checks_passed` keeps later
evaluations from building on it.
"""

from __future__ import annotations

import dagster as dg

from nexus_platform.asset_keys import KB_EMBEDDINGS, KNOWLEDGEBASE, PARQUET_TABLES

_eager = dg.AutomationCondition.eager()
_gated = dg.AutomationCondition.all_deps_blocking_checks_passed()

# Downstream of something that updated: rebuild once, when nothing upstream is in progress
# and the blocking checks upstream passed. Each such asset is incremental by content hash.
ON_UPSTREAM_CHANGE = (_eager & _gated).with_label("on upstream change, checks passed")

# Downstream of the landing files as a whole (knowledge base, quarantine ledger): built from
# what converted. A quarantined file's partition is never materialised — that is how it shows
# in the UI — so eager's "no dependency missing" would wait for it for ever; it is dropped.
FROM_CONVERTED_FILES = (
    _eager.without(~dg.AutomationCondition.any_deps_missing()) & _gated
).with_label("on converted landing files, checks passed")

# Per landing file (the incoming-data report of each converted file).
PER_FILE = ON_UPSTREAM_CHANGE

# A task's dataset reads its own source file's partition and that file's incoming-data report,
# whose partition is materialised only when the file's new version passed its integrity and
# drift checks (or drift was overridden): that is the drift gate before a retrain. So the
# dataset is triggered by the report alone; a new conversion of the file (the report not yet
# run, or refusing it) triggers nothing. Nothing else that lands touches it.
# (`all_deps_blocking_checks_passed` cannot express this gate: Dagster 1.13 never finds a
# partitioned check passed from an unpartitioned asset downstream, so it would hold for ever.)
TASK_DATASET = _eager.replace(
    "any_deps_updated",
    dg.AutomationCondition.any_deps_updated().ignore(dg.AssetSelection.assets(PARQUET_TABLES)),
).with_label("on its source file accepted by its checks")

# Annotations read the records, their vectors and whatever models are promoted: a task without
# a promoted model yet (still training, or refused by its quality gate) must not hold back the
# others, so only the records and their vectors may not be missing.
WITH_WHAT_IS_PROMOTED = ON_UPSTREAM_CHANGE.replace(
    "any_deps_missing",
    dg.AutomationCondition.any_deps_missing().allow(
        dg.AssetSelection.assets(KNOWLEDGEBASE, KB_EMBEDDINGS)
    ),
).with_label("on upstream change, with the models promoted so far")

# Checks defined apart from their asset run after each materialisation of it.
CHECK_AFTER_MATERIALISATION = dg.AutomationCondition.eager()
