"""Words that mark a kind of provision in Chinese law and policy text, shared by the requirements table, the targets
and the answers."""

from __future__ import annotations

import re

# Words only a penalty provision uses: a sentence with one imposes a sanction (处…罚款 is no target and no duty).
PENALTY_CUE = re.compile(r"罚款|罚金|处罚|警告|吊销|没收|责令停产|责令停业|拘留|追究刑事责任|处分")
