/* test-versions.c: the protocol-version masks of wbxml-pages.def, pinned to the
 * specifications.
 *
 * The encoder drops every element the negotiated version lacks (wbxml_writer_init), and
 * the content converters ask wbxml_tag_versions() before they emit a property, so a mask
 * that is too narrow hides data from phones and one that is too wide sends phones elements
 * they do not know. Each row below was checked against the "Protocol Versions" table of the
 * element's section (or the MS-ASWBXML code page table where one was available) and names
 * that section; where a token serves several elements the mask is the union, and the row
 * says which sections make it up. A table edit that changes one of these masks fails here:
 * change the row only with a citation. */
#include "wbxml/wbxml.h"

#include "lib/buf.h"
#include "lib/pool.h"

#include <check.h>
#include <stdlib.h>

/* Shorthands for the version sets that occur below. */
#define ALL WBXML_VALL
#define V25_ONLY WBXML_V25
#define UP120 WBXML_V120_UP
#define UP121 WBXML_V121_UP
#define UP140 WBXML_V140_UP
#define UP141 WBXML_V141_UP
#define UP160 WBXML_V160_UP
#define V161_ONLY WBXML_V161
#define NOT16 WBXML_VALL_BUT_16
#define TO121 (WBXML_V25 | WBXML_V120 | WBXML_V121)

struct pinned {
	uint16_t tag;
	unsigned versions;
	const char *ref; /* the section whose Protocol Versions table says so */
};

static const struct pinned pinned[] = {
	/* AirSync (MS-ASCMD) */
	{ WBXML_AirSync_Sync, ALL, "MS-ASCMD 2.2.3.180" },
	{ WBXML_AirSync_Collections, ALL, "MS-ASCMD 2.2.3.31.2" },
	{ WBXML_AirSync_Wait, UP121, "MS-ASCMD 2.2.3.198" },
	{ WBXML_AirSync_Truncation, V25_ONLY,
	  "MS-ASCMD 2.2.3.185 (applies only to the 2.5-only bodies)" },

	/* Contacts, Contacts2 (MS-ASCNTC, MS-ASWBXML) */
	{ WBXML_Contacts_BodyTruncated, V25_ONLY, "MS-ASCNTC 2.2.2.9" },
	{ WBXML_Contacts_Alias, UP140, "MS-ASCNTC 2.2.2.2" },
	{ WBXML_Contacts_WeightedRank, UP140, "MS-ASCNTC 2.2.2.64" },
	{ WBXML_Contacts_Picture, ALL, "MS-ASCNTC 2.2.2.58" },
	{ WBXML_Contacts_FileAs, ALL, "MS-ASCNTC 2.2.2.30" },
	{ WBXML_Contacts_Email1Address, ALL, "MS-ASCNTC 2.2.2.27" },
	{ WBXML_Contacts2_MMS, ALL, "MS-ASCNTC 2.2.2.48, MS-ASWBXML 2.1.2.1.13" },
	{ WBXML_Contacts2_CustomerId, ALL, "MS-ASWBXML 2.1.2.1.13" },

	/* Email (MS-ASEMAIL) */
	{ WBXML_Email_Attachments, V25_ONLY, "MS-ASEMAIL 2.2.2.4.2" },
	{ WBXML_Email_AttName, V25_ONLY, "MS-ASEMAIL 2.2.2.6" },
	{ WBXML_Email_DisplayName, V25_ONLY, "MS-ASEMAIL 2.2.2.28" },
	{ WBXML_Email_BodySize, V25_ONLY, "MS-ASEMAIL 2.2.2.12" },
	{ WBXML_Email_BodyTruncated, V25_ONLY, "MS-ASEMAIL 2.2.2.13" },
	{ WBXML_Email_MIMETruncated, V25_ONLY, "MS-ASEMAIL 2.2.2.52" },
	{ WBXML_Email_MIMESize, V25_ONLY, "MS-ASEMAIL 2.2.2.51" },
	{ WBXML_Email_DateReceived, ALL, "MS-ASEMAIL 2.2.2.24" },
	{ WBXML_Email_DisplayTo, ALL, "MS-ASEMAIL 2.2.2.29" },
	{ WBXML_Email_Subject, ALL, "MS-ASEMAIL 2.2.2.75.1" },
	{ WBXML_Email_Organizer, ALL, "MS-ASEMAIL 2.2.2.57" },
	{ WBXML_Email_RecurrenceId, ALL, "MS-ASEMAIL 2.2.2.61" },
	{ WBXML_Email_ResponseRequested, ALL, "MS-ASEMAIL 2.2.2.67" },
	{ WBXML_Email_StartTime, ALL, "MS-ASEMAIL 2.2.2.73" },
	{ WBXML_Email_Location, NOT16, "MS-ASEMAIL 2.2.2.46" },
	{ WBXML_Email_GlobalObjId, NOT16,
	  "MS-ASEMAIL 2.2.2.37 (calendar:UID instead in 16.x, MS-ASEMAIL_R1253/R12540)" },
	{ WBXML_Email_Categories, UP140, "MS-ASEMAIL 2.2.2.16" },
	{ WBXML_Email_Category, UP140, "MS-ASEMAIL 2.2.2.17" },
	{ WBXML_Email_Status, UP120, "MS-ASEMAIL 2.2.2.74" },
	{ WBXML_Email_FlagType, UP120, "MS-ASEMAIL 2.2.2.35" },
	{ WBXML_Email_CompleteTime, UP120, "MS-ASEMAIL 2.2.2.19" },
	{ WBXML_Email_DisallowNewTimeProposal, UP140, "MS-ASEMAIL 2.2.2.27" },

	/* Calendar (MS-ASCAL) */
	{ WBXML_Calendar_Attendee, ALL, "MS-ASCAL 2.2.2.3" },
	{ WBXML_Calendar_Name, ALL, "MS-ASCAL 2.2.2.30" },
	{ WBXML_Calendar_AttendeeStatus, UP120, "MS-ASCAL 2.2.2.5" },
	{ WBXML_Calendar_AttendeeType, UP120, "MS-ASCAL 2.2.2.6" },
	{ WBXML_Calendar_Body, V25_ONLY, "MS-ASCAL 2.2.2.7.2" },
	{ WBXML_Calendar_Categories, ALL, "MS-ASCAL 2.2.2.11" },
	{ WBXML_Calendar_Exceptions, ALL, "MS-ASCAL 2.2.2.22" },
	{ WBXML_Calendar_ExceptionStartTime, NOT16, "MS-ASCAL 2.2.2.23" },
	{ WBXML_Calendar_Subject, ALL, "MS-ASCAL 2.2.2.43" },
	{ WBXML_Calendar_UID, ALL, "MS-ASCAL 2.2.2.46" },
	{ WBXML_Calendar_DisallowNewTimeProposal, UP140, "MS-ASCAL 2.2.2.17" },
	{ WBXML_Calendar_ResponseRequested, UP140, "MS-ASCAL 2.2.2.39" },
	{ WBXML_Calendar_AppointmentReplyTime, UP140, "MS-ASCAL 2.2.2.2" },
	{ WBXML_Calendar_IsLeapMonth, UP140, "MS-ASCAL 2.2.2.26" },
	{ WBXML_Calendar_FirstDayOfWeek, UP141, "MS-ASCAL 2.2.2.24" },
	{ WBXML_Calendar_OnlineMeetingConfLink, UP141, "MS-ASCAL 2.2.2.33" },
	{ WBXML_Calendar_OnlineMeetingExternalLink, UP141, "MS-ASCAL 2.2.2.34" },
	{ WBXML_Calendar_ClientUid, UP160, "MS-ASCAL 2.2.2.13" },

	/* Move, GetItemEstimate, FolderHierarchy (MS-ASCMD) */
	{ WBXML_Move_Move, ALL, "MS-ASCMD 2.2.3.117.2" },
	{ WBXML_GetItemEstimate_Estimate, ALL, "MS-ASCMD 2.2.3.65" },
	{ WBXML_GetItemEstimate_Response, ALL, "MS-ASCMD 2.2.3.153.3" },
	{ WBXML_FolderHierarchy_Folders, TO121, "MS-ASCMD 2.2.3.75.1 (GetHierarchy only)" },
	{ WBXML_FolderHierarchy_Folder, TO121, "MS-ASCMD 2.2.3.71.1 (GetHierarchy only)" },
	{ WBXML_FolderHierarchy_Changes, ALL, "MS-ASCMD 2.2.3.25" },
	{ WBXML_FolderHierarchy_Count, ALL, "MS-ASCMD 2.2.3.37" },
	{ WBXML_FolderHierarchy_Update, ALL, "MS-ASCMD 2.2.3.187" },
	{ WBXML_FolderHierarchy_FolderCreate, ALL, "MS-ASCMD 2.2.3.72" },
	{ WBXML_FolderHierarchy_FolderDelete, ALL, "MS-ASCMD 2.2.3.73" },

	/* MeetingResponse (MS-ASCMD) */
	{ WBXML_MeetingResponse_MeetingResponse, ALL, "MS-ASCMD 2.2.3.106" },
	{ WBXML_MeetingResponse_Result, ALL, "MS-ASCMD 2.2.3.155.2" },
	{ WBXML_MeetingResponse_UserResponse, ALL, "MS-ASCMD 2.2.3.194" },
	{ WBXML_MeetingResponse_InstanceId, UP141, "MS-ASCMD 2.2.3.92.1 (not 12.1, 14.0)" },
	{ WBXML_MeetingResponse_SendResponse, UP160, "MS-ASCMD 2.2.1.11" },

	/* Tasks (MS-ASTASK, and MS-ASEMAIL for the flag's tasks: children) */
	{ WBXML_Tasks_BodyTruncated, V25_ONLY, "MS-ASTASK 2.2.2.3" },
	{ WBXML_Tasks_Complete, ALL, "MS-ASTASK 2.2.2.7" },
	{ WBXML_Tasks_Subject, ALL, "MS-ASTASK 2.2.2.27 (MS-ASEMAIL 2.2.2.75.2: 12.0+)" },
	{ WBXML_Tasks_WeekOfMonth, ALL, "MS-ASTASK 2.2.2.33" },
	{ WBXML_Tasks_OrdinalDate, UP120, "MS-ASEMAIL 2.2.2.56" },

	/* ResolveRecipients (MS-ASWBXML 2.1.2.1.11) */
	{ WBXML_ResolveRecipients_CertificateCount, ALL, "MS-ASWBXML 2.1.2.1.11" },
	{ WBXML_ResolveRecipients_Availability, UP140, "MS-ASWBXML 2.1.2.1.11" },
	{ WBXML_ResolveRecipients_MergedFreeBusy, UP140, "MS-ASWBXML 2.1.2.1.11" },
	{ WBXML_ResolveRecipients_Picture, UP141, "MS-ASWBXML 2.1.2.1.11" },
	{ WBXML_ResolveRecipients_MaxPictures, UP141, "MS-ASWBXML 2.1.2.1.11" },

	/* ValidateCert (MS-ASWBXML 2.1.2.1.12) */
	{ WBXML_ValidateCert_CertificateChain, ALL, "MS-ASWBXML 2.1.2.1.12, MS-ASCMD 2.2.3.20" },
	{ WBXML_ValidateCert_CheckCRL, ALL, "MS-ASWBXML 2.1.2.1.12, MS-ASCMD 2.2.3.26" },

	/* Ping (MS-ASCMD) */
	{ WBXML_Ping_Ping, ALL, "MS-ASCMD 2.2.3.136" },
	{ WBXML_Ping_Folders, ALL, "MS-ASCMD 2.2.3.75.2" },
	{ WBXML_Ping_Class, ALL, "MS-ASCMD 2.2.3.27.4" },
	{ WBXML_Ping_MaxFolders, ALL, "MS-ASCMD 2.2.3.102" },

	/* Provision (MS-ASPROV) */
	{ WBXML_Provision_Provision, ALL, "MS-ASPROV 2.2.2.44" },
	{ WBXML_Provision_PolicyType, ALL, "MS-ASPROV 2.2.2.43" },
	{ WBXML_Provision_RemoteWipe, ALL, "MS-ASPROV 2.2.2.45" },
	{ WBXML_Provision_AlphanumericDevicePasswordRequired, UP120, "MS-ASPROV 2.2.2.20" },
	{ WBXML_Provision_RequireStorageCardEncryption, UP121, "MS-ASPROV 2.2.2.52" },
	{ WBXML_Provision_AttachmentsEnabled, UP120, "MS-ASPROV 2.2.2.23" },
	{ WBXML_Provision_MinDevicePasswordLength, UP120, "MS-ASPROV 2.2.2.38" },
	{ WBXML_Provision_MaxInactivityTimeDeviceLock, UP120, "MS-ASPROV 2.2.2.36" },
	{ WBXML_Provision_MaxDevicePasswordFailedAttempts, UP120, "MS-ASPROV 2.2.2.32" },
	{ WBXML_Provision_MaxAttachmentSize, UP120, "MS-ASPROV 2.2.2.30" },
	{ WBXML_Provision_AllowSimpleDevicePassword, UP120, "MS-ASPROV 2.2.2.12" },
	{ WBXML_Provision_DevicePasswordExpiration, UP120, "MS-ASPROV 2.2.2.26" },
	{ WBXML_Provision_AllowStorageCard, UP121, "MS-ASPROV 2.2.2.15" },
	{ WBXML_Provision_RequireDeviceEncryption, UP121, "MS-ASPROV 2.2.2.46" },
	{ WBXML_Provision_AllowTextMessaging, UP121, "MS-ASPROV 2.2.2.16" },
	{ WBXML_Provision_AllowDesktopSync, UP121, "MS-ASPROV 2.2.2.6" },
	{ WBXML_Provision_AllowHTMLEmail, UP121, "MS-ASPROV 2.2.2.7" },
	{ WBXML_Provision_MaxEmailBodyTruncationSize, UP121, "MS-ASPROV 2.2.2.34" },
	{ WBXML_Provision_MaxEmailHTMLBodyTruncationSize, UP121, "MS-ASPROV 2.2.2.35" },
	{ WBXML_Provision_RequireEncryptedSMIMEMessages, UP121, "MS-ASPROV 2.2.2.47" },
	{ WBXML_Provision_ApprovedApplicationList, UP121, "MS-ASPROV 2.2.2.22" },
	{ WBXML_Provision_AccountOnlyRemoteWipe, V161_ONLY, "MS-ASPROV 2.2.2.1" },

	/* Search (MS-ASCMD) */
	{ WBXML_Search_Search, ALL, "MS-ASCMD 2.2.3.159" },
	{ WBXML_Search_Name, ALL, "MS-ASCMD 2.2.3.120.2" },
	{ WBXML_Search_Response, ALL, "MS-ASCMD 2.2.3.153.7" },
	{ WBXML_Search_FreeText, UP120, "MS-ASCMD 2.2.3.80.2" },
	{ WBXML_Search_Value, UP120, "MS-ASCMD 2.2.3.196" },
	{ WBXML_Search_LongId, UP120, "MS-ASCMD 2.2.3.98.3, 2.2.3.98.1" },
	{ WBXML_Search_ConversationId, UP140, "MS-ASCMD 2.2.3.35.2" },
	{ WBXML_Search_UserName, UP121, "MS-ASCMD 2.2.3.193.2" },
	{ WBXML_Search_Password, UP121, "MS-ASCMD 2.2.3.132.2" },
	{ WBXML_Search_MaxSize, UP141, "MS-ASCMD 2.2.3.105.3" },
	{ WBXML_Search_MaxPictures, UP141, "MS-ASCMD 2.2.3.104.3" },

	/* GAL */
	{ WBXML_GAL_Data, UP141, "MS-ASCMD 2.2.3.39.4 (Search, 14.1+), 2.2.3.39.1 (Find)" },

	/* AirSyncBase (MS-ASAIRS) */
	{ WBXML_AirSyncBase_Type, UP120, "MS-ASAIRS 2.2.2.41.4, 2.2.2.41.2/.3 (14.1+)" },
	{ WBXML_AirSyncBase_Body, UP120, "MS-ASAIRS 2.2.2.9, MS-ASCNTC 2.2.2.7.1" },
	{ WBXML_AirSyncBase_Truncated, UP120, "MS-ASAIRS 2.2.2.39.1" },
	{ WBXML_AirSyncBase_Attachments, UP120, "MS-ASAIRS 2.2.2.8" },
	{ WBXML_AirSyncBase_DisplayName, UP120, "MS-ASAIRS 2.2.2.22.2" },
	{ WBXML_AirSyncBase_FileReference, UP120, "MS-ASAIRS 2.2.2.24" },
	{ WBXML_AirSyncBase_Method, UP120, "MS-ASAIRS 2.2.2.7 (required in Attachment), 2.2.2.31.1" },
	{ WBXML_AirSyncBase_ContentId, UP120, "MS-ASAIRS 2.2.2.16.2" },
	{ WBXML_AirSyncBase_IsInline, UP120, "MS-ASAIRS 2.2.2.26.2" },
	{ WBXML_AirSyncBase_EstimatedDataSize, UP120, "MS-ASAIRS 2.2.2.23.1" },
	{ WBXML_AirSyncBase_ContentType, UP120, "MS-ASAIRS 2.2.2.18.2" },
	{ WBXML_AirSyncBase_Preview, UP140, "MS-ASAIRS 2.2.2.35.4, 2.2.2.35.2 (14.1+)" },
	{ WBXML_AirSyncBase_BodyPartPreference, UP141, "MS-ASAIRS 2.2.2.11" },
	{ WBXML_AirSyncBase_BodyPart, UP141, "MS-ASAIRS 2.2.2.10" },
	{ WBXML_AirSyncBase_Status, UP141, "MS-ASAIRS 2.2.2.37" },
	{ WBXML_AirSyncBase_Add, UP160, "MS-ASAIRS 2.2.2.2" },
	{ WBXML_AirSyncBase_ClientId, UP160, "MS-ASAIRS 2.2.2.14" },
	{ WBXML_AirSyncBase_Content, UP160, "MS-ASAIRS 2.2.2.15" },
	{ WBXML_AirSyncBase_Location, UP160, "MS-ASAIRS 2.2.2.28" },
	{ WBXML_AirSyncBase_Latitude, UP160, "MS-ASAIRS 2.2.2.27" },
	{ WBXML_AirSyncBase_InstanceId, UP160, "MS-ASAIRS 2.2.2.25" },

	/* Settings (MS-ASCMD) */
	{ WBXML_Settings_Password, UP120, "MS-ASCMD 2.2.3.132.3" },
	{ WBXML_Settings_Model, UP120, "MS-ASCMD 2.2.3.115" },
	{ WBXML_Settings_IMEI, UP120, "MS-ASCMD 2.2.3.91" },
	{ WBXML_Settings_FriendlyName, UP120, "MS-ASCMD 2.2.3.81" },
	{ WBXML_Settings_PhoneNumber, UP120, "MS-ASCMD 2.2.3.134" },
	{ WBXML_Settings_EmailAddresses, UP120, "MS-ASCMD 2.2.3.57 (Get child 12.0-14.0)" },
	{ WBXML_Settings_Enabled, UP120, "MS-ASCMD 2.2.3.59" },
	{ WBXML_Settings_UserAgent, UP121, "MS-ASCMD 2.2.3.190" },
	{ WBXML_Settings_EnableOutboundSMS, UP140, "MS-ASCMD 2.2.3.60" },
	{ WBXML_Settings_MobileOperator, UP140, "MS-ASCMD 2.2.3.113" },
	{ WBXML_Settings_PrimarySmtpAddress, UP141, "MS-ASCMD 2.2.3.138" },
	{ WBXML_Settings_Account, UP141, "MS-ASCMD 2.2.3.2" },
	{ WBXML_Settings_AccountId, UP141, "MS-ASCMD 2.2.3.3.2" },
	{ WBXML_Settings_UserDisplayName, UP141, "MS-ASCMD 2.2.3.191" },
	{ WBXML_Settings_SendDisabled, UP141, "MS-ASCMD 2.2.3.161" },
	{ WBXML_Settings_RightsManagementInformation, UP141, "MS-ASCMD 2.2.3.156" },

	/* ItemOperations (MS-ASCMD) */
	{ WBXML_ItemOperations_ItemOperations, UP120, "MS-ASCMD 2.2.3.94" },
	{ WBXML_ItemOperations_Store, UP120, "MS-ASCMD 2.2.3.178.2" },
	{ WBXML_ItemOperations_Response, UP120, "MS-ASCMD 2.2.3.153.4" },
	{ WBXML_ItemOperations_Data, UP120, "MS-ASCMD 2.2.3.39.2" },
	{ WBXML_ItemOperations_Version, UP120, "MS-ASCMD 2.2.3.197" },
	{ WBXML_ItemOperations_DeleteSubFolders, UP120, "MS-ASCMD 2.2.3.44" },
	{ WBXML_ItemOperations_UserName, UP121, "MS-ASCMD 2.2.3.193.1" },
	{ WBXML_ItemOperations_Move, UP140, "MS-ASCMD 2.2.3.117.1" },
	{ WBXML_ItemOperations_DstFldId, UP140, "MS-ASCMD 2.2.3.51.1" },
	{ WBXML_ItemOperations_ConversationId, UP140, "MS-ASCMD 2.2.3.35.1" },

	/* ComposeMail (MS-ASCMD) */
	{ WBXML_ComposeMail_Source, UP140, "MS-ASCMD 2.2.3.173" },
	{ WBXML_ComposeMail_FolderId, UP140, "MS-ASCMD 2.2.3.74" },
	{ WBXML_ComposeMail_AccountId, UP141, "MS-ASCMD 2.2.3.3.1 (not 12.1, 14.0)" },
	{ WBXML_ComposeMail_Forwardees, UP160, "MS-ASCMD 2.2.3.79" },
	{ WBXML_ComposeMail_Forwardee, UP160, "MS-ASCMD 2.2.3.78" },
	{ WBXML_ComposeMail_Name, UP160, "MS-ASCMD 2.2.3.120.3" },
	{ WBXML_ComposeMail_Email, UP160, "MS-ASCMD 2.2.3.53" },

	/* Email2 (MS-ASEMAIL) */
	{ WBXML_Email2_UmAttDuration, UP140, "MS-ASEMAIL 2.2.2.81" },
	{ WBXML_Email2_ConversationId, UP140, "MS-ASEMAIL 2.2.2.21" },
	{ WBXML_Email2_LastVerbExecuted, UP140, "MS-ASEMAIL 2.2.2.44" },
	{ WBXML_Email2_LastVerbExecutionTime, UP140, "MS-ASEMAIL 2.2.2.45" },
	{ WBXML_Email2_CalendarType, UP140, "MS-ASEMAIL 2.2.2.15" },
	{ WBXML_Email2_IsDraft, UP160, "MS-ASEMAIL 2.2.2.42" },
	{ WBXML_Email2_Send, UP160, "MS-ASEMAIL 2.2.2.69" },

	/* Notes (MS-ASNOTE) */
	{ WBXML_Notes_MessageClass, UP140, "MS-ASNOTE 2.2.2.5" },
	{ WBXML_Notes_Categories, UP140, "MS-ASNOTE 2.2.2.2" },

	/* RightsManagement (MS-ASRM) */
	{ WBXML_RightsManagement_RightsManagementSupport, UP141, "MS-ASRM 2.2.2.15" },
	{ WBXML_RightsManagement_RightsManagementTemplates, UP141, "MS-ASRM 2.2.2.17" },
	{ WBXML_RightsManagement_ContentExpiryDate, UP141, "MS-ASRM 2.2.2.1" },
	{ WBXML_RightsManagement_TemplateID, UP141, "MS-ASRM 2.2.2.19.1" },
	{ WBXML_RightsManagement_TemplateName, UP141, "MS-ASRM 2.2.2.20.2" },
	{ WBXML_RightsManagement_TemplateDescription, UP141, "MS-ASRM 2.2.2.18.1" },

	/* Find (MS-ASWBXML 2.1.2.1.26: every tag 16.1 only) */
	{ WBXML_Find_Find, V161_ONLY, "MS-ASWBXML 2.1.2.1.26" },
	{ WBXML_Find_SearchId, V161_ONLY, "MS-ASWBXML 2.1.2.1.26, MS-ASCMD 2.2.3.160" },
	{ WBXML_Find_ExecuteSearch, V161_ONLY, "MS-ASWBXML 2.1.2.1.26, MS-ASCMD 2.2.3.66" },
	{ WBXML_Find_FreeText, V161_ONLY, "MS-ASWBXML 2.1.2.1.26, MS-ASCMD 2.2.3.80.1" },
	{ WBXML_Find_DisplayBcc, V161_ONLY, "MS-ASWBXML 2.1.2.1.26, MS-ASCMD 2.2.3.47" },
	{ WBXML_Find_Picture, V161_ONLY, "MS-ASWBXML 2.1.2.1.26" },
};

/* Every pinned mask, all mismatches listed at once so that one run shows every drift. */
START_TEST(test_pinned_masks)
{
	buf report = BUF_INIT;
	size_t n = sizeof(pinned) / sizeof(pinned[0]);

	ck_assert_uint_ge(n, 40);
	for (size_t i = 0; i < n; i++) {
		const struct pinned *p = &pinned[i];
		const char *name = wbxml_tag_name(p->tag);
		unsigned got = wbxml_tag_versions(p->tag);
		if (name == NULL)
			buf_printf(&report, "\n  0x%04x: not in the table (%s)", p->tag, p->ref);
		else if (got != p->versions)
			buf_printf(&report, "\n  %s:%s is 0x%02x, %s says 0x%02x",
				   wbxml_page_name(WBXML_TAG_PAGE(p->tag)), name, got, p->ref,
				   p->versions);
	}
	ck_assert_msg(report.len == 0, "masks differ from the specifications:%s",
		      buf_cstr(&report));
	buf_free(&report);
}
END_TEST

/* A tag appears only once in the list: two rows for one tag would let one of them rot. */
START_TEST(test_pinned_rows_unique)
{
	size_t n = sizeof(pinned) / sizeof(pinned[0]);

	for (size_t i = 0; i < n; i++) {
		for (size_t j = i + 1; j < n; j++)
			ck_assert_msg(pinned[i].tag != pinned[j].tag, "row %zu repeats 0x%04x", j,
				      pinned[i].tag);
	}
}
END_TEST

/* Whole pages whose table in MS-ASWBXML we have: Contacts2 and ValidateCert are "All"
 * throughout, Find is 16.1 throughout. */
START_TEST(test_whole_pages)
{
	static const struct { unsigned page, versions; } pages[] = {
		{ WBXML_PAGE_Contacts2, WBXML_VALL },    /* MS-ASWBXML 2.1.2.1.13 */
		{ WBXML_PAGE_ValidateCert, WBXML_VALL }, /* MS-ASWBXML 2.1.2.1.12 */
		{ WBXML_PAGE_Find, WBXML_V161 },         /* MS-ASWBXML 2.1.2.1.26 */
	};

	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		unsigned tags = 0;
		for (unsigned token = 5; token < 64; token++) {
			uint16_t tag = WBXML_TAG(pages[i].page, token);
			if (wbxml_tag_name(tag) == NULL)
				continue;
			tags++;
			ck_assert_msg(wbxml_tag_versions(tag) == pages[i].versions, "%s:%s is 0x%02x",
				      wbxml_page_name(pages[i].page), wbxml_tag_name(tag),
				      wbxml_tag_versions(tag));
		}
		ck_assert_uint_gt(tags, 0);
	}
}
END_TEST

/* The masks as the encoder applies them: a 12.0 provisioning document loses
 * RequireStorageCardEncryption (MS-ASPROV 2.2.2.52) but keeps AttachmentsEnabled; 12.1 keeps
 * both; a 14.0 GetHierarchy-style Folders element is dropped whole. */
START_TEST(test_encoder_applies_masks)
{
	static const unsigned versions[] = { 120, 121, 140 };
	pool *p = pool_new(0);

	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		buf out = BUF_INIT;
		struct wbxml_writer w;
		struct wbxml_node *root = NULL;
		const char *error = NULL;

		wbxml_writer_init(&w, &out, versions[i]);
		wbxml_start(&w, WBXML_Provision_Provision);
		wbxml_start(&w, WBXML_Provision_EASProvisionDoc);
		wbxml_elem_uint(&w, WBXML_Provision_RequireStorageCardEncryption, 1);
		wbxml_elem_uint(&w, WBXML_Provision_AttachmentsEnabled, 1);
		wbxml_end(&w);
		wbxml_start(&w, WBXML_FolderHierarchy_Folders);
		wbxml_elem_str(&w, WBXML_FolderHierarchy_DisplayName, "Inbox");
		wbxml_end(&w);
		wbxml_end(&w);
		ck_assert_int_eq(wbxml_writer_finish(&w, &error), 0);
		ck_assert_int_eq(wbxml_decode(p, out.data, out.len, NULL, &root, &error), 0);

		struct wbxml_node *doc = wbxml_child(root, WBXML_Provision_EASProvisionDoc);
		ck_assert_ptr_nonnull(doc);
		ck_assert_ptr_nonnull(wbxml_child(doc, WBXML_Provision_AttachmentsEnabled));
		ck_assert_int_eq(wbxml_child(doc, WBXML_Provision_RequireStorageCardEncryption) != NULL,
				 versions[i] >= 121);
		ck_assert_int_eq(wbxml_child(root, WBXML_FolderHierarchy_Folders) != NULL,
				 versions[i] <= 121);
		buf_free(&out);
	}
	pool_free(&p);
}
END_TEST

static Suite *versions_suite(void)
{
	Suite *s = suite_create("wbxml-versions");
	TCase *tc = tcase_create("masks");

	tcase_add_test(tc, test_pinned_masks);
	tcase_add_test(tc, test_pinned_rows_unique);
	tcase_add_test(tc, test_whole_pages);
	tcase_add_test(tc, test_encoder_applies_masks);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(versions_suite());

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
