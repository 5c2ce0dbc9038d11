CREATE TABLE `c`.`d`.`k` (
  `id` BIGINT NOT NULL COMMENT 'i',
  `s` VARCHAR(2147483647) NOT NULL,
  `lt` TIMESTAMP(3) WITH LOCAL TIME ZONE,
  `c` AS CAST(`id` AS VARCHAR(2147483647)) || `s`,
  CONSTRAINT `PK_id_s` PRIMARY KEY (`id`, `s`) NOT ENFORCED
)
COMMENT 'k''s'
WITH (
  'connector' = 'datagen'
)
