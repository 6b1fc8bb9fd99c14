"""Step 16: SQL Server transactional replication of the site database for the Internet MP."""

from __future__ import annotations

from generator.derive.checklist import conditions
from generator.derive.checklist.core import Step

STEP = Step(
    id="sql-replica",
    title="Configure a SQL Server replica of the site database",
    condition=conditions.sql_replica,
    serves=frozenset({"database-replica"}),
)
