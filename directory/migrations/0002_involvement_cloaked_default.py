from django.db import migrations

# Rule (cloaking): an involvement with a sensitive service is cloaked unless someone decides
# otherwise. Done in the database so bulk loads and feeds get it too, not only Model.save().
SQL = """
CREATE FUNCTION cp_involvement_cloaked_default() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.cloaked IS NULL THEN
        SELECT o.sensitive_service INTO NEW.cloaked
        FROM directory_organisation o WHERE o.id = NEW.organisation_id;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER involvement_cloaked_default
BEFORE INSERT OR UPDATE OF cloaked, organisation_id ON directory_involvement
FOR EACH ROW EXECUTE FUNCTION cp_involvement_cloaked_default();

ALTER TABLE directory_involvement ALTER COLUMN cloaked SET NOT NULL;
"""

REVERSE = """
ALTER TABLE directory_involvement ALTER COLUMN cloaked DROP NOT NULL;
DROP TRIGGER involvement_cloaked_default ON directory_involvement;
DROP FUNCTION cp_involvement_cloaked_default();
"""


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
