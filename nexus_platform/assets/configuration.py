"""The platform's own configuration as an asset: every user YAML validated, each file's state
in the UI, and a check that names each bad file, field and problem."""

import dagster as dg

from nexus_platform.asset_keys import PLATFORM_CONFIGURATION
from nexus_platform.configuration import FileState, check_configuration, fingerprint
from nexus_platform.resources.storage import NexusStorage
from nexus_platform.settings import NexusPaths

CONFIGURATION_VALID = "configuration_valid"


def _markdown(states: list[FileState]) -> str:
    lines = ["| file | configures | state |", "|---|---|---|"]
    for s in states:
        state = (
            "valid"
            if s.error is None
            else "**left out**: "
            + "; ".join(f"`{field}`: {message}" for field, message in s.error.problems)
        )
        state = state.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {s.path} | {s.configures} | {state} |")
    return "\n".join(lines)


def _problems(states: list[FileState]) -> list[dict]:
    return [
        {"file": s.path, "field": field, "problem": message}
        for s in states
        if s.error is not None
        for field, message in s.error.problems
    ]


# Built when missing (not `on_missing()`: it skips an asset already missing when the condition
# is first evaluated, as this one is on a fresh instance; a failed run is not retried in a
# loop) and again once per new code version.
_AUTOMATION = (
    dg.AutomationCondition.missing()
    & ~dg.AutomationCondition.in_progress()
    & ~dg.AutomationCondition.execution_failed()
) | dg.AutomationCondition.code_version_changed()


def build_defs(paths: NexusPaths) -> dg.Definitions:
    @dg.asset(
        key=PLATFORM_CONFIGURATION,
        group_name="platform",
        kinds={"yaml"},
        # The hash of the configuration files: a file edited and the code location reloaded
        # make a new code version, and automation validates the files again.
        code_version=fingerprint(paths),
        automation_condition=_AUTOMATION,
        check_specs=[
            dg.AssetCheckSpec(
                CONFIGURATION_VALID,
                asset=PLATFORM_CONFIGURATION,
                blocking=False,
                description="Every configuration file validates; fails naming each bad file, "
                "field and problem.",
            )
        ],
    )
    def platform_configuration(
        context: dg.AssetExecutionContext, storage: NexusStorage
    ) -> dg.MaterializeResult:
        """The user configuration the platform runs on: task specs (the repository's tasks/
        and NEXUS_HOME/tasks/), drift rules (config/drift.yaml), knowledge-base rules
        (config/knowledgebase.yaml) and source connections (airbyte/connections.yaml), each
        validated. A file that does not validate leaves out only what it defines (its task,
        its drift checks, its connections) while the rest of the platform runs;
        `configuration_valid` names the file, the field and the problem."""
        states = check_configuration(storage.paths())
        problems = _problems(states)
        bad = [s for s in states if s.error is not None]
        for s in bad:
            context.log.error(str(s.error))
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": len(states),
                "invalid_files": len(bad),
                "files": dg.MetadataValue.md(_markdown(states)),
                "problems": dg.MetadataValue.json(problems),
            },
            check_results=[
                dg.AssetCheckResult(
                    check_name=CONFIGURATION_VALID,
                    passed=not bad,
                    severity=dg.AssetCheckSeverity.ERROR,
                    description="; ".join(str(s.error) for s in bad)[:2000]
                    or f"all {len(states)} configuration files are valid",
                    metadata={"invalid_files": dg.MetadataValue.json([s.path for s in bad])},
                )
            ],
        )

    return dg.Definitions(assets=[platform_configuration])
