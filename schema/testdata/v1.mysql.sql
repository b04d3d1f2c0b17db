
/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;
/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;
/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;
/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;
DROP TABLE IF EXISTS `audit_entries`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `audit_entries` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `seq` bigint(20) unsigned NOT NULL,
  `at` datetime(6) NOT NULL,
  `actor_id` bigint(20) unsigned NOT NULL,
  `actor_name` varchar(64) NOT NULL,
  `ip` varchar(64) NOT NULL,
  `action` varchar(64) NOT NULL,
  `entity` varchar(64) NOT NULL,
  `entity_id` varchar(64) NOT NULL,
  `before` longtext NOT NULL,
  `after` longtext NOT NULL,
  `prev_hash` varchar(64) NOT NULL,
  `hash` varchar(64) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_audit_entries_seq` (`seq`),
  KEY `idx_audit_entries_at` (`at`),
  KEY `idx_audit_entries_actor_id` (`actor_id`),
  KEY `idx_audit_entries_action` (`action`),
  KEY `idx_audit_entries_entity` (`entity`,`entity_id`)
) ENGINE=InnoDB AUTO_INCREMENT=8 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `audit_entries` WRITE;
/*!40000 ALTER TABLE `audit_entries` DISABLE KEYS */;
INSERT INTO `audit_entries` VALUES (1,1,'2026-11-29 01:24:55.802341',0,'system','','create','user','1','','{\"disabled\":false,\"jurisdiction_code\":\"\",\"jurisdiction_kind\":\"\",\"name\":\"平台管理员\",\"phone\":\"\",\"role\":\"admin\",\"username\":\"admin\"}','','39b7e48846697340daf5bdec8823872ab2ba4f97af0efcbe715b8c01eb68dc5a');
INSERT INTO `audit_entries` VALUES (2,2,'2026-11-29 01:24:55.807008',0,'system','','create','enterprise','1','','{\"id\":1,\"name\":\"麒麟区第一化工有限公司\",\"credit_code\":\"91530302MA0000015H\",\"town_code\":\"530302101\",\"industry_code\":\"hazchem\",\"above_scale\":false,\"grade\":\"\",\"contact_name\":\"张三\",\"contact_phone\":\"13800000000\",\"address\":\"云南省曲靖市麒麟区 1 号\",\"status\":\"operating\",\"created_at\":\"2026-11-29T01:24:55.806223Z\",\"updated_at\":\"2026-11-29T01:24:55.806223Z\"}','39b7e48846697340daf5bdec8823872ab2ba4f97af0efcbe715b8c01eb68dc5a','62a45e4752b7a18a4c97373b255e0345e4c1cb37185cb2156d6f0d9ba53bb52d');
INSERT INTO `audit_entries` VALUES (3,3,'2026-11-29 01:24:55.811718',0,'system','','create','enterprise','2','','{\"id\":2,\"name\":\"曲靖越州建材厂\",\"credit_code\":\"91530302MA0000023C\",\"town_code\":\"530302101\",\"industry_code\":\"fireworks\",\"above_scale\":false,\"grade\":\"\",\"contact_name\":\"张三\",\"contact_phone\":\"13800000000\",\"address\":\"云南省曲靖市麒麟区 2 号\",\"status\":\"operating\",\"created_at\":\"2026-11-29T01:24:55.810201Z\",\"updated_at\":\"2026-11-29T01:24:55.810201Z\"}','62a45e4752b7a18a4c97373b255e0345e4c1cb37185cb2156d6f0d9ba53bb52d','70cf0f94f02c0341f057d5741c18bd6a62f4cb95a250f58241bc8684a39d3590');
INSERT INTO `audit_entries` VALUES (4,4,'2026-11-29 01:24:55.816000',0,'system','','create','person','1','','{\"id\":1,\"doc_type\":\"resident_id\",\"id_masked\":\"530302********0034\",\"name\":\"李四\",\"sex\":\"male\",\"birth_date\":\"1985-01-10T00:00:00Z\",\"phone\":\"13912345670\",\"education\":\"senior\",\"enterprise_id\":1,\"categories\":[\"special_operator\"],\"operation_items\":[\"1.2\"],\"position\":\"电工\",\"duty_status\":\"on_duty\",\"appointed_on\":\"2024-03-01T00:00:00Z\",\"left_on\":null,\"post_changed_on\":null,\"employment_kind\":\"formal\"}','70cf0f94f02c0341f057d5741c18bd6a62f4cb95a250f58241bc8684a39d3590','1d30bdf5949737a0cb45601f7ff11c7c72dd857e8bcf5c94b5ac24e57713a2ed');
INSERT INTO `audit_entries` VALUES (5,5,'2026-11-29 01:24:55.824199',0,'system','','create','person','2','','{\"id\":2,\"doc_type\":\"resident_id\",\"id_masked\":\"530302********0066\",\"name\":\"王五\",\"sex\":\"female\",\"birth_date\":\"1985-02-11T00:00:00Z\",\"phone\":\"13912345671\",\"education\":\"senior\",\"enterprise_id\":2,\"categories\":[\"special_operator\"],\"operation_items\":[\"1.2\"],\"position\":\"电工\",\"duty_status\":\"on_duty\",\"appointed_on\":\"2024-03-01T00:00:00Z\",\"left_on\":null,\"post_changed_on\":null,\"employment_kind\":\"formal\"}','1d30bdf5949737a0cb45601f7ff11c7c72dd857e8bcf5c94b5ac24e57713a2ed','21cf3ccc9fee549a11449b7959c9aa7b6a3007d10f2268d91836f1d7157c4546');
INSERT INTO `audit_entries` VALUES (6,6,'2026-11-29 01:24:55.827471',0,'system','','create','person','3','','{\"id\":3,\"doc_type\":\"resident_id\",\"id_masked\":\"530302********0071\",\"name\":\"赵六\",\"sex\":\"male\",\"birth_date\":\"1985-03-12T00:00:00Z\",\"phone\":\"13912345672\",\"education\":\"senior\",\"enterprise_id\":1,\"categories\":[\"special_operator\"],\"operation_items\":[\"1.2\"],\"position\":\"电工\",\"duty_status\":\"on_duty\",\"appointed_on\":\"2024-03-01T00:00:00Z\",\"left_on\":null,\"post_changed_on\":null,\"employment_kind\":\"formal\"}','21cf3ccc9fee549a11449b7959c9aa7b6a3007d10f2268d91836f1d7157c4546','82dce36c9f37c70efa729cac03455983588385206c474bc36121826b67b58f1e');
INSERT INTO `audit_entries` VALUES (7,7,'2026-11-29 01:24:55.920238',0,'system','','create','user','2','','{\"disabled\":false,\"enterprise_id\":1,\"jurisdiction_code\":\"\",\"jurisdiction_kind\":\"\",\"name\":\"企业管理员 张三\",\"phone\":\"\",\"role\":\"enterprise_admin\",\"username\":\"qiye\"}','82dce36c9f37c70efa729cac03455983588385206c474bc36121826b67b58f1e','9052d7403b3da0901650bff3b73ecf55435766143b12c3a43a300168cea72f45');
/*!40000 ALTER TABLE `audit_entries` ENABLE KEYS */;
UNLOCK TABLES;
DROP TABLE IF EXISTS `audit_heads`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `audit_heads` (
  `id` bigint(20) unsigned NOT NULL,
  `seq` bigint(20) unsigned NOT NULL,
  `hash` varchar(64) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `audit_heads` WRITE;
/*!40000 ALTER TABLE `audit_heads` DISABLE KEYS */;
INSERT INTO `audit_heads` VALUES (1,7,'9052d7403b3da0901650bff3b73ecf55435766143b12c3a43a300168cea72f45');
/*!40000 ALTER TABLE `audit_heads` ENABLE KEYS */;
UNLOCK TABLES;
DROP TABLE IF EXISTS `departments`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `departments` (
  `code` varchar(30) NOT NULL,
  `name` varchar(50) NOT NULL,
  `sort` bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (`code`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `departments` WRITE;
/*!40000 ALTER TABLE `departments` DISABLE KEYS */;
INSERT INTO `departments` VALUES ('agriculture','区农业农村局',7);
INSERT INTO `departments` VALUES ('commerce','区商务局',10);
INSERT INTO `departments` VALUES ('culture_tourism','区文化和旅游局',8);
INSERT INTO `departments` VALUES ('education','区教育体育局',9);
INSERT INTO `departments` VALUES ('emergency','区应急管理局',1);
INSERT INTO `departments` VALUES ('energy','区能源局',2);
INSERT INTO `departments` VALUES ('fire','区消防救援大队',12);
INSERT INTO `departments` VALUES ('forestry','区林业和草原局',13);
INSERT INTO `departments` VALUES ('housing','区住房和城乡建设局',4);
INSERT INTO `departments` VALUES ('industry_it','区工业和信息化局',11);
INSERT INTO `departments` VALUES ('market','区市场监督管理局',6);
INSERT INTO `departments` VALUES ('transport','区交通运输局',3);
INSERT INTO `departments` VALUES ('water','区水务局',5);
/*!40000 ALTER TABLE `departments` ENABLE KEYS */;
UNLOCK TABLES;
DROP TABLE IF EXISTS `duty_events`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `duty_events` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `person_id` bigint(20) unsigned NOT NULL,
  `enterprise_id` bigint(20) unsigned NOT NULL,
  `kind` varchar(20) NOT NULL,
  `date` datetime(3) NOT NULL,
  `position` varchar(100) NOT NULL DEFAULT '',
  `note` varchar(500) NOT NULL DEFAULT '',
  `actor_id` bigint(20) unsigned NOT NULL DEFAULT 0,
  `actor_name` varchar(64) NOT NULL DEFAULT '',
  `created_at` datetime(3) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_duty_events_person` (`person_id`,`date`),
  KEY `idx_duty_events_enterprise_id` (`enterprise_id`)
) ENGINE=InnoDB AUTO_INCREMENT=4 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `duty_events` WRITE;
/*!40000 ALTER TABLE `duty_events` DISABLE KEYS */;
INSERT INTO `duty_events` VALUES (1,1,1,'appoint','2024-03-01 00:00:00.000','电工','',0,'system','2026-11-29 01:24:55.815');
INSERT INTO `duty_events` VALUES (2,2,2,'appoint','2024-03-01 00:00:00.000','电工','',0,'system','2026-11-29 01:24:55.823');
INSERT INTO `duty_events` VALUES (3,3,1,'appoint','2024-03-01 00:00:00.000','电工','',0,'system','2026-11-29 01:24:55.827');
/*!40000 ALTER TABLE `duty_events` ENABLE KEYS */;
UNLOCK TABLES;
DROP TABLE IF EXISTS `enterprises`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `enterprises` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `name` varchar(200) NOT NULL,
  `credit_code` varchar(18) NOT NULL,
  `checksum_override_reason` varchar(500) NOT NULL DEFAULT '',
  `town_code` varchar(12) NOT NULL,
  `industry_code` varchar(30) NOT NULL,
  `above_scale` tinyint(1) NOT NULL DEFAULT 0,
  `grade` varchar(1) NOT NULL DEFAULT '',
  `contact_name` varchar(50) NOT NULL DEFAULT '',
  `contact_phone` varchar(30) NOT NULL DEFAULT '',
  `address` varchar(200) NOT NULL DEFAULT '',
  `status` varchar(20) NOT NULL,
  `created_at` datetime(3) DEFAULT NULL,
  `updated_at` datetime(3) DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_enterprises_credit_code` (`credit_code`),
  KEY `idx_enterprises_name` (`name`),
  KEY `idx_enterprises_town_code` (`town_code`),
  KEY `idx_enterprises_industry_code` (`industry_code`),
  KEY `idx_enterprises_status` (`status`)
) ENGINE=InnoDB AUTO_INCREMENT=3 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `enterprises` WRITE;
/*!40000 ALTER TABLE `enterprises` DISABLE KEYS */;
INSERT INTO `enterprises` VALUES (1,'麒麟区第一化工有限公司','91530302MA0000015H','','530302101','hazchem',0,'','张三','13800000000','云南省曲靖市麒麟区 1 号','operating','2026-11-29 01:24:55.806','2026-11-29 01:24:55.806');
INSERT INTO `enterprises` VALUES (2,'曲靖越州建材厂','91530302MA0000023C','','530302101','fireworks',0,'','张三','13800000000','云南省曲靖市麒麟区 2 号','operating','2026-11-29 01:24:55.810','2026-11-29 01:24:55.810');
/*!40000 ALTER TABLE `enterprises` ENABLE KEYS */;
UNLOCK TABLES;
DROP TABLE IF EXISTS `industries`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `industries` (
  `code` varchar(30) NOT NULL,
  `name` varchar(50) NOT NULL,
  `high_risk` tinyint(1) NOT NULL DEFAULT 0,
  `assessment_required` tinyint(1) NOT NULL DEFAULT 0,
  `department_code` varchar(30) NOT NULL,
  `sort` bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (`code`),
  KEY `idx_industries_department_code` (`department_code`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `industries` WRITE;
/*!40000 ALTER TABLE `industries` DISABLE KEYS */;
INSERT INTO `industries` VALUES ('agriculture','农业农村',0,0,'agriculture',13);
INSERT INTO `industries` VALUES ('coal','煤矿',1,1,'energy',4);
INSERT INTO `industries` VALUES ('commerce','商贸',0,0,'commerce',16);
INSERT INTO `industries` VALUES ('construction','房屋市政',0,1,'housing',8);
INSERT INTO `industries` VALUES ('culture_tourism','文化和旅游',0,0,'culture_tourism',15);
INSERT INTO `industries` VALUES ('education','教育',0,0,'education',18);
INSERT INTO `industries` VALUES ('explosives','民爆',0,1,'industry_it',14);
INSERT INTO `industries` VALUES ('fire_key','消防重点单位',0,0,'fire',17);
INSERT INTO `industries` VALUES ('fireworks','烟花爆竹',1,1,'emergency',2);
INSERT INTO `industries` VALUES ('forestry','林业',0,0,'forestry',19);
INSERT INTO `industries` VALUES ('gas','城镇燃气',0,1,'housing',9);
INSERT INTO `industries` VALUES ('hazchem','危化品',1,1,'emergency',1);
INSERT INTO `industries` VALUES ('industry_trade','工贸',0,0,'emergency',6);
INSERT INTO `industries` VALUES ('metallurgy','冶金（金属冶炼）',1,1,'emergency',5);
INSERT INTO `industries` VALUES ('mine_noncoal','矿山（非煤）',1,1,'emergency',3);
INSERT INTO `industries` VALUES ('other','其他',0,0,'emergency',20);
INSERT INTO `industries` VALUES ('power','电力',0,0,'energy',11);
INSERT INTO `industries` VALUES ('special_equipment','特种设备',0,0,'market',12);
INSERT INTO `industries` VALUES ('transport','交通运输',0,1,'transport',7);
INSERT INTO `industries` VALUES ('water','水利',0,0,'water',10);
/*!40000 ALTER TABLE `industries` ENABLE KEYS */;
UNLOCK TABLES;
DROP TABLE IF EXISTS `operation_categories`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `operation_categories` (
  `code` varchar(10) NOT NULL,
  `name` varchar(100) NOT NULL,
  `active` tinyint(1) NOT NULL DEFAULT 1,
  `sort` bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (`code`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `operation_categories` WRITE;
/*!40000 ALTER TABLE `operation_categories` DISABLE KEYS */;
INSERT INTO `operation_categories` VALUES ('1','电工作业',1,1);
INSERT INTO `operation_categories` VALUES ('10','烟花爆竹安全作业',1,59);
INSERT INTO `operation_categories` VALUES ('11','应急管理部（原安全监管总局）认定的其他作业',1,65);
INSERT INTO `operation_categories` VALUES ('2','焊接与热切割作业',1,8);
INSERT INTO `operation_categories` VALUES ('3','高处作业',1,12);
INSERT INTO `operation_categories` VALUES ('4','制冷与空调作业',1,15);
INSERT INTO `operation_categories` VALUES ('5','煤矿安全作业',1,18);
INSERT INTO `operation_categories` VALUES ('6','金属非金属矿山安全作业',1,29);
INSERT INTO `operation_categories` VALUES ('7','石油天然气安全作业',1,38);
INSERT INTO `operation_categories` VALUES ('8','冶金（有色）生产安全作业',1,40);
INSERT INTO `operation_categories` VALUES ('9','危险化学品安全作业',1,42);
/*!40000 ALTER TABLE `operation_categories` ENABLE KEYS */;
UNLOCK TABLES;
DROP TABLE IF EXISTS `operation_items`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `operation_items` (
  `code` varchar(10) NOT NULL,
  `category_code` varchar(10) NOT NULL,
  `name` varchar(100) NOT NULL,
  `active` tinyint(1) NOT NULL DEFAULT 1,
  `sort` bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (`code`),
  KEY `idx_operation_items_category_code` (`category_code`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `operation_items` WRITE;
/*!40000 ALTER TABLE `operation_items` DISABLE KEYS */;
INSERT INTO `operation_items` VALUES ('1.1','1','高压电工作业',1,2);
INSERT INTO `operation_items` VALUES ('1.2','1','低压电工作业',1,3);
INSERT INTO `operation_items` VALUES ('1.3','1','防爆电气作业',1,4);
INSERT INTO `operation_items` VALUES ('1.4','1','电力电缆作业',1,5);
INSERT INTO `operation_items` VALUES ('1.5','1','继电保护作业',1,6);
INSERT INTO `operation_items` VALUES ('1.6','1','电气试验作业',1,7);
INSERT INTO `operation_items` VALUES ('10.1','10','烟火药制造作业',1,60);
INSERT INTO `operation_items` VALUES ('10.2','10','黑火药制造作业',1,61);
INSERT INTO `operation_items` VALUES ('10.3','10','引火线制造作业',1,62);
INSERT INTO `operation_items` VALUES ('10.4','10','烟花爆竹产品涉药作业',1,63);
INSERT INTO `operation_items` VALUES ('10.5','10','烟花爆竹储存作业',1,64);
INSERT INTO `operation_items` VALUES ('2.1','2','熔化焊接与热切割作业',1,9);
INSERT INTO `operation_items` VALUES ('2.2','2','压力焊作业',1,10);
INSERT INTO `operation_items` VALUES ('2.3','2','钎焊作业',1,11);
INSERT INTO `operation_items` VALUES ('3.1','3','登高架设作业',1,13);
INSERT INTO `operation_items` VALUES ('3.2','3','高处安装、维护、拆除作业',1,14);
INSERT INTO `operation_items` VALUES ('4.1','4','制冷与空调设备运行操作作业',1,16);
INSERT INTO `operation_items` VALUES ('4.2','4','制冷与空调设备安装修理作业',1,17);
INSERT INTO `operation_items` VALUES ('5.1','5','煤矿井下电气作业',1,19);
INSERT INTO `operation_items` VALUES ('5.10','5','煤矿探放水作业',1,28);
INSERT INTO `operation_items` VALUES ('5.2','5','煤矿井下爆破作业',1,20);
INSERT INTO `operation_items` VALUES ('5.3','5','煤矿安全监测监控作业',1,21);
INSERT INTO `operation_items` VALUES ('5.4','5','煤矿瓦斯检查作业',1,22);
INSERT INTO `operation_items` VALUES ('5.5','5','煤矿安全检查作业',1,23);
INSERT INTO `operation_items` VALUES ('5.6','5','煤矿提升机操作作业',1,24);
INSERT INTO `operation_items` VALUES ('5.7','5','煤矿采煤机（掘进机）操作作业',1,25);
INSERT INTO `operation_items` VALUES ('5.8','5','煤矿瓦斯抽采作业',1,26);
INSERT INTO `operation_items` VALUES ('5.9','5','煤矿防突作业',1,27);
INSERT INTO `operation_items` VALUES ('6.1','6','金属非金属矿井通风作业',1,30);
INSERT INTO `operation_items` VALUES ('6.2','6','尾矿作业',1,31);
INSERT INTO `operation_items` VALUES ('6.3','6','金属非金属矿山安全检查作业',1,32);
INSERT INTO `operation_items` VALUES ('6.4','6','金属非金属矿山提升机操作作业',1,33);
INSERT INTO `operation_items` VALUES ('6.5','6','金属非金属矿山支柱作业',1,34);
INSERT INTO `operation_items` VALUES ('6.6','6','金属非金属矿山井下电气作业',1,35);
INSERT INTO `operation_items` VALUES ('6.7','6','金属非金属矿山排水作业',1,36);
INSERT INTO `operation_items` VALUES ('6.8','6','金属非金属矿山爆破作业',1,37);
INSERT INTO `operation_items` VALUES ('7.1','7','司钻作业',1,39);
INSERT INTO `operation_items` VALUES ('8.1','8','煤气作业',1,41);
INSERT INTO `operation_items` VALUES ('9.1','9','光气及光气化工艺作业',1,43);
INSERT INTO `operation_items` VALUES ('9.10','9','氧化工艺作业',1,52);
INSERT INTO `operation_items` VALUES ('9.11','9','过氧化工艺作业',1,53);
INSERT INTO `operation_items` VALUES ('9.12','9','胺基化工艺作业',1,54);
INSERT INTO `operation_items` VALUES ('9.13','9','磺化工艺作业',1,55);
INSERT INTO `operation_items` VALUES ('9.14','9','聚合工艺作业',1,56);
INSERT INTO `operation_items` VALUES ('9.15','9','烷基化工艺作业',1,57);
INSERT INTO `operation_items` VALUES ('9.16','9','化工自动化控制仪表作业',1,58);
INSERT INTO `operation_items` VALUES ('9.2','9','氯碱电解工艺作业',1,44);
INSERT INTO `operation_items` VALUES ('9.3','9','氯化工艺作业',1,45);
INSERT INTO `operation_items` VALUES ('9.4','9','硝化工艺作业',1,46);
INSERT INTO `operation_items` VALUES ('9.5','9','合成氨工艺作业',1,47);
INSERT INTO `operation_items` VALUES ('9.6','9','裂解（裂化）工艺作业',1,48);
INSERT INTO `operation_items` VALUES ('9.7','9','氟化工艺作业',1,49);
INSERT INTO `operation_items` VALUES ('9.8','9','加氢工艺作业',1,50);
INSERT INTO `operation_items` VALUES ('9.9','9','重氮化工艺作业',1,51);
/*!40000 ALTER TABLE `operation_items` ENABLE KEYS */;
UNLOCK TABLES;
DROP TABLE IF EXISTS `people`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `people` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `doc_type` varchar(20) NOT NULL,
  `id_hash` varchar(64) NOT NULL,
  `id_cipher` varchar(255) NOT NULL,
  `id_masked` varchar(30) NOT NULL,
  `name` varchar(50) NOT NULL,
  `sex` varchar(10) NOT NULL DEFAULT '',
  `birth_date` datetime(3) DEFAULT NULL,
  `phone` varchar(30) NOT NULL DEFAULT '',
  `education` varchar(20) NOT NULL DEFAULT '',
  `enterprise_id` bigint(20) unsigned NOT NULL DEFAULT 0,
  `categories` tinyint(3) unsigned NOT NULL DEFAULT 0,
  `position` varchar(100) NOT NULL DEFAULT '',
  `duty_status` varchar(20) NOT NULL,
  `appointed_on` datetime(3) DEFAULT NULL,
  `left_on` datetime(3) DEFAULT NULL,
  `post_changed_on` datetime(3) DEFAULT NULL,
  `employment_kind` varchar(20) NOT NULL,
  `created_at` datetime(3) DEFAULT NULL,
  `updated_at` datetime(3) DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `ux_people_identity` (`id_hash`,`doc_type`),
  KEY `idx_people_name` (`name`),
  KEY `idx_people_phone` (`phone`),
  KEY `idx_people_roster` (`enterprise_id`,`duty_status`)
) ENGINE=InnoDB AUTO_INCREMENT=4 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `people` WRITE;
/*!40000 ALTER TABLE `people` DISABLE KEYS */;
INSERT INTO `people` VALUES (1,'resident_id','50e031788a5ad1649128609746247849cd862b7cc4ee2b9a453c89f5f5cc5734','v1:aoyHjwyB1+DlGujvJfSuAWUzD72BTX0neiFaBdHvBF9ByY6j8+lsWuiBpuH60g==','530302********0034','李四','male','1985-01-10 00:00:00.000','13912345670','senior',1,4,'电工','on_duty','2024-03-01 00:00:00.000',NULL,NULL,'formal','2026-11-29 01:24:55.814','2026-11-29 01:24:55.814');
INSERT INTO `people` VALUES (2,'resident_id','a8fbe9651d023f992b243d7bf950a96b07ad470a8da67f9e001690f6e88ef367','v1:umtXCFFSNYEznYpbQ8MgE4OWgdisbyVZLJuym3aA3PEOWi0YeEc8vsOLjjUvvA==','530302********0066','王五','female','1985-02-11 00:00:00.000','13912345671','senior',2,4,'电工','on_duty','2024-03-01 00:00:00.000',NULL,NULL,'formal','2026-11-29 01:24:55.819','2026-11-29 01:24:55.819');
INSERT INTO `people` VALUES (3,'resident_id','a459ba9b0c951d70b70616537a6d660cd3a338c7ba93bc92dab9891f2f113e8b','v1:J3bRKJNuTXkoNr6lPl8dvKWoJyudt1ImcjkO/H+tHYLp918w1yz0jcDkYqmocQ==','530302********0071','赵六','male','1985-03-12 00:00:00.000','13912345672','senior',1,4,'电工','on_duty','2024-03-01 00:00:00.000',NULL,NULL,'formal','2026-11-29 01:24:55.826','2026-11-29 01:24:55.826');
/*!40000 ALTER TABLE `people` ENABLE KEYS */;
UNLOCK TABLES;
DROP TABLE IF EXISTS `person_operation_items`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `person_operation_items` (
  `person_id` bigint(20) unsigned NOT NULL,
  `item_code` varchar(10) NOT NULL,
  PRIMARY KEY (`person_id`,`item_code`),
  KEY `idx_person_operation_items_item_code` (`item_code`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `person_operation_items` WRITE;
/*!40000 ALTER TABLE `person_operation_items` DISABLE KEYS */;
INSERT INTO `person_operation_items` VALUES (1,'1.2');
INSERT INTO `person_operation_items` VALUES (2,'1.2');
INSERT INTO `person_operation_items` VALUES (3,'1.2');
/*!40000 ALTER TABLE `person_operation_items` ENABLE KEYS */;
UNLOCK TABLES;
DROP TABLE IF EXISTS `schema_migrations`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `schema_migrations` (
  `version` bigint(20) NOT NULL,
  `name` varchar(200) NOT NULL,
  `applied_at` datetime(3) NOT NULL,
  PRIMARY KEY (`version`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `schema_migrations` WRITE;
/*!40000 ALTER TABLE `schema_migrations` DISABLE KEYS */;
INSERT INTO `schema_migrations` VALUES (1,'accounts, sessions and the audit ledger','2026-11-29 01:24:55.508');
INSERT INTO `schema_migrations` VALUES (2,'roster: reference data, enterprises, people','2026-11-29 01:24:55.588');
/*!40000 ALTER TABLE `schema_migrations` ENABLE KEYS */;
UNLOCK TABLES;
DROP TABLE IF EXISTS `sessions`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `sessions` (
  `id` varchar(64) NOT NULL,
  `user_id` bigint(20) unsigned NOT NULL,
  `csrf_token` varchar(64) NOT NULL,
  `ip` varchar(64) DEFAULT NULL,
  `user_agent` varchar(255) DEFAULT NULL,
  `created_at` datetime(3) NOT NULL,
  `last_seen_at` datetime(3) NOT NULL,
  `expires_at` datetime(3) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_sessions_user_id` (`user_id`),
  KEY `idx_sessions_expires_at` (`expires_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `sessions` WRITE;
/*!40000 ALTER TABLE `sessions` DISABLE KEYS */;
/*!40000 ALTER TABLE `sessions` ENABLE KEYS */;
UNLOCK TABLES;
DROP TABLE IF EXISTS `towns`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `towns` (
  `code` varchar(12) NOT NULL,
  `name` varchar(50) NOT NULL,
  `kind` varchar(10) NOT NULL,
  `sort` bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (`code`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `towns` WRITE;
/*!40000 ALTER TABLE `towns` DISABLE KEYS */;
INSERT INTO `towns` VALUES ('530302001','南宁街道','street',1);
INSERT INTO `towns` VALUES ('530302002','建宁街道','street',2);
INSERT INTO `towns` VALUES ('530302003','白石江街道','street',3);
INSERT INTO `towns` VALUES ('530302004','寥廓街道','street',4);
INSERT INTO `towns` VALUES ('530302005','潇湘街道','street',5);
INSERT INTO `towns` VALUES ('530302006','沿江街道','street',6);
INSERT INTO `towns` VALUES ('530302007','珠街街道','street',7);
INSERT INTO `towns` VALUES ('530302008','三宝街道','street',8);
INSERT INTO `towns` VALUES ('530302009','太和街道','street',9);
INSERT INTO `towns` VALUES ('530302010','益宁街道','street',10);
INSERT INTO `towns` VALUES ('530302011','文华街道','street',11);
INSERT INTO `towns` VALUES ('530302012','西城街道','street',12);
INSERT INTO `towns` VALUES ('530302101','越州镇','town',13);
INSERT INTO `towns` VALUES ('530302102','东山镇','town',14);
INSERT INTO `towns` VALUES ('530302103','茨营镇','town',15);
/*!40000 ALTER TABLE `towns` ENABLE KEYS */;
UNLOCK TABLES;
DROP TABLE IF EXISTS `users`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE `users` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `username` varchar(64) NOT NULL,
  `name` varchar(64) NOT NULL,
  `phone` varchar(32) DEFAULT NULL,
  `role` varchar(32) NOT NULL,
  `password_hash` varchar(100) NOT NULL,
  `enterprise_id` bigint(20) unsigned DEFAULT NULL,
  `person_id` bigint(20) unsigned DEFAULT NULL,
  `jurisdiction_kind` varchar(16) DEFAULT NULL,
  `jurisdiction_code` varchar(32) DEFAULT NULL,
  `disabled` tinyint(1) NOT NULL DEFAULT 0,
  `failed_logins` bigint(20) NOT NULL DEFAULT 0,
  `locked_until` datetime(3) DEFAULT NULL,
  `password_changed_at` datetime(3) DEFAULT NULL,
  `created_at` datetime(3) DEFAULT NULL,
  `updated_at` datetime(3) DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_users_username` (`username`),
  KEY `idx_users_phone` (`phone`),
  KEY `idx_users_role` (`role`),
  KEY `idx_users_enterprise_id` (`enterprise_id`),
  KEY `idx_users_person_id` (`person_id`)
) ENGINE=InnoDB AUTO_INCREMENT=3 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
/*!40101 SET character_set_client = @saved_cs_client */;

LOCK TABLES `users` WRITE;
/*!40000 ALTER TABLE `users` DISABLE KEYS */;
INSERT INTO `users` VALUES (1,'admin','平台管理员','','admin','$2a$10$fEghJ7LMDrGWIJf.QlqjHOi3f3j6Ohuj8GIcn31H8jJAoiIHIIB7i',NULL,NULL,'','',0,0,NULL,'2026-11-29 01:24:55.800','2026-11-29 01:24:55.800','2026-11-29 01:24:55.800');
INSERT INTO `users` VALUES (2,'qiye','企业管理员 张三','','enterprise_admin','$2a$10$qIqrTdv9Y7bBh3xkLXkMZelOaPCEdMjYZWJYOycQHzZPgzTw51IwW',1,NULL,'','',0,0,NULL,'2026-11-29 01:24:55.918','2026-11-29 01:24:55.919','2026-11-29 01:24:55.919');
/*!40000 ALTER TABLE `users` ENABLE KEYS */;
UNLOCK TABLES;
/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;

/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;
/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;
/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;
/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;
/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;
/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;
/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;

