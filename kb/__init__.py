"""policy-kb: a clause-true knowledge base for Chinese government policy documents."""

import os

__version__ = "0.1.0"

# The offline environment, set in this one place for every process that uses policy-kb (CLI, app, API, tests,
# bench), before any library that could reach a model hub or send telemetry is imported. A user with hub access can
# still set HF_HUB_OFFLINE=0 (setdefault keeps what the environment says).
OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "ANONYMIZED_TELEMETRY": "False",  # Chroma's product telemetry
}
for _name, _value in OFFLINE_ENVIRONMENT.items():
    os.environ.setdefault(_name, _value)
