SELECT id, data FROM record_many WHERE tenant_id = 'cccccccc-0000-4000-8000-000000000007' AND object_id = 'o_customer00' AND deleted_at IS NULL
  AND (data->>'f_status') = 'pv_st2' AND ((data->>'f_age')::numeric) > 30 ORDER BY ((data->>'f_birth') COLLATE "C") DESC, id DESC LIMIT 50;
