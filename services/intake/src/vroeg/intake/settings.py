"""Settings of intake."""

from pydantic import Field

from vroeg.shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """intake's settings: the shared ones plus the municipalities it serves (R-IN-8)."""

    port: int = Field(default=8001, alias="VROEG_PORT")
    # CBS codes of the municipalities this deployment serves, comma separated.
    municipalities: str = Field(default="0363", alias="VROEG_MUNICIPALITIES")

    def served(self) -> frozenset[str]:
        """The municipalities this deployment serves."""
        return frozenset(code.strip() for code in self.municipalities.split(",") if code.strip())
