"""Settings of matcher."""

from pydantic import Field

from vroeg.shared.settings import ServiceSettings


class Settings(ServiceSettings):
    """matcher's settings."""

    port: int = Field(default=8003, alias="VROEG_PORT")
    # The CBS export (DDAS): `codeGegevensleverancier`, the code of whoever delivers the data
    # (software supplier or host), and the delivering organisation (`aanleverende_organisatie`).
    ddas_supplier_code: str = Field(default="VROEG", alias="VROEG_DDAS_SUPPLIER_CODE", min_length=1)
    ddas_organisation: str | None = Field(default=None, alias="VROEG_DDAS_ORGANISATION")
    ddas_kvk_number: str | None = Field(default=None, alias="VROEG_DDAS_KVK_NUMBER")
