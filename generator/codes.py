"""Every diagnostic code the generator can report, assembled from where each is declared.

The load stage declares its codes in :mod:`generator.load.codes`; the validation
rules and the design rules declare theirs in their registries
(:data:`generator.validate.rules.SITE_RULES`, :data:`generator.plan.review.PLAN_RULES`); stale
acknowledgements are :mod:`generator.plan.acknowledgements`'.
Only the docs, the CLI and the tests import this module, so no stage depends on a later one.
"""

from __future__ import annotations

from generator.diagnostics import Code
from generator.load.codes import LOAD_CODES
from generator.plan.acknowledgements import ACKNOWLEDGEMENT_CODES
from generator.plan.review import PLAN_RULES
from generator.validate.rules import SITE_RULES


def diagnostic_codes() -> tuple[Code, ...]:
    """Load codes, then the site rules' codes, then the plan rules' codes, then the acknowledgements' code.

    The site rules' codes follow the order of docs/site-inputs.md, Validation rules.
    """
    codes = (*LOAD_CODES, *SITE_RULES.codes, *PLAN_RULES.codes, *ACKNOWLEDGEMENT_CODES)
    names = [code.name for code in codes]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"diagnostic codes declared more than once: {', '.join(duplicates)}")
    return codes
