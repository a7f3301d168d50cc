"""Research flows.

The decorator below reads like ``@flow(stack="gpu-cluster")`` in prose, but
only real decorators count.
"""

import kitaru
from kitaru import checkpoint, flow

# Process-wide defaults for this module (layer 3).
kitaru.configure(
    retries=1,
    image=kitaru.ImageSettings(environment={"FEATURE_FLAGS": "beta"}),
)

RESEARCH_IMAGE = kitaru.ImageSettings(
    requirements=["httpx>=0.27", "pydantic>=2.7"],
)


@checkpoint(cache=True)
def search(topic: str) -> list[str]:
    """Search the web; cached unless an execution-level cache says otherwise."""
    return [f"result about {topic}"]


@checkpoint
def summarize(results: list[str]) -> str:
    return "\n".join(results)


@flow(
    retries=3,  # research calls are flaky
    image=RESEARCH_IMAGE,
)
def research(topic: str) -> str:
    return summarize(search(topic))


@flow
def digest(day: str) -> str:
    return summarize([day])


if __name__ == "__main__":
    research.run("durable agents", stack="gpu-cluster")
    digest.run("2026-12-03", retries=5, cache=True)
