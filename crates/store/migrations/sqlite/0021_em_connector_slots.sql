-- The connectors' typed slot of each extended-metadata property (`3` of `text3`): its
-- number within the family its kind and multi flag choose (core::metadata::SlotFamily),
-- stored so that adding or removing a property never renames another one's slot.
ALTER TABLE em_properties ADD COLUMN slot BIGINT;

-- The properties of before: numbered within their family in id order. A number beyond the
-- family's capacity (or a family without slots) names no slot, which core reads as none.
UPDATE em_properties SET slot = (
    SELECT COUNT(*) FROM em_properties AS other
    WHERE other.library = em_properties.library
      AND other.kind = em_properties.kind
      AND other.multi = em_properties.multi
      AND other.id <= em_properties.id
);
