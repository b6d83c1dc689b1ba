"""Words that mark a kind of provision in Chinese law and policy text, shared by the requirements table, the targets
and the answers."""

from __future__ import annotations

import re

# Words only a penalty provision uses: a sentence with one imposes a sanction (处…罚款 is no target and no duty).
# 责令（限期）改正 and civil or official liability (赔偿责任, 追究…责任) are sanctions too: the first sentence of
# "…责令限期改正；拒不改正的，处…罚款" holds no fine. A plan's or opinion's sanctions fall on regions and officials:
# 约谈, 问责, 挂牌督办, (区域)限批, 一票否决. A grant's fall on whom cheats for it: 追回…资金, 取消…资格, 纳入失信….
PENALTY_CUE = re.compile(r"罚款|罚金|处罚|警告|吊销|没收|责令停产|责令停业|拘留|追究刑事责任|处分|责令(?:限期)?改正|"
                         r"赔偿责任|追究.{0,6}责任|责令停止|责令关闭|通报批评|约谈|问责|挂牌督办|限批|一票否决|"
                         r"追回[^，。；]{0,12}(?:资金|补贴|补助|奖励|款项)|取消[^，。；]{0,16}资格|"
                         r"(?:纳入|列入)[^，。；]{0,8}(?:失信|黑名单)")
