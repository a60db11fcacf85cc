"""Labelled French documents of an SIAE answering the regulatory list, CEDRE, the ESS guide,
ISO 26000 / LUCIE and CAP (see `__init__`)."""

REG = "fr-siae-regulatory"
CEDRE = "cedre-iso9001"
ESS = "ess-good-practice-guide"
LUCIE = "iso26000-lucie"
CAP = "cap-coorace"

DOCUMENTS = [
    dict(key="pass-iae-notification", referential=REG, expected="PASS-IAE", also=(),
         title="Scan_20250312_0001", text="""
Plateforme de l'inclusion — agrément délivré
Candidat : Mme Fatou Camara, née le 14/08/1991.
Numéro de PASS IAE : 99999 25 12345. Date de début : 12/03/2025. Date de fin : 11/03/2027.
Structure d'accueil : Atelier Chantier d'insertion Les Jardins du Val (ACI).
Prescripteur habilité : France Travail, agence de Nantes Est, conseillère référente
Mme Giraud.
Le PASS IAE permet l'embauche en contrat à durée déterminée d'insertion. L'éligibilité du
candidat a été validée par le prescripteur.
Toute demande de prolongation du parcours doit être faite avant la date de fin, auprès d'un
prescripteur habilité, avec le motif.
"""),
    dict(key="pass-iae-prolongation", referential=REG, expected="PASS-IAE", also=(),
         title="Demande de prolongation Diallo", text="""
Demande de prolongation d'agrément — salarié en parcours M. Ousmane Diallo
Date de fin actuelle du PASS IAE : 30/04/2025.
Motif : formation qualifiante en cours (titre professionnel agent d'entretien du bâtiment),
examen prévu en juin 2025 ; la prolongation permettra d'achever la formation.
Durée demandée : 6 mois.
Avis de la conseillère en insertion : parcours assidu, projet professionnel validé, freins
liés au logement en voie de résolution.
Décision du prescripteur habilité reçue le 15/04/2025 : prolongation accordée jusqu'au
31/10/2025. Le tableau de suivi des échéances des agréments a été mis à jour.
"""),
    dict(key="duerp-2025", referential=REG, expected="DUERP", also=(),
         title="Document unique 2025", text="""
Document unique d'évaluation des risques professionnels — mise à jour 2025
Unités de travail : chantier espaces verts, atelier menuiserie, ressourcerie, bureaux.
Pour chaque unité : dangers identifiés, risques, gravité, fréquence d'exposition, mesures de
prévention existantes et actions à engager.
Exemples : utilisation de débroussailleuses (projections, bruit) — port des EPI, formation ;
manutention de meubles (troubles musculo-squelettiques) — diable, travail en binôme ;
travail en extérieur par forte chaleur — horaires adaptés, eau à disposition.
Risques psychosociaux : évalués lors d'un groupe de travail avec les salariés.
Programme annuel de prévention joint. Document transmis au service de prévention et de santé
au travail et consultable par tous les salariés.
"""),
    dict(key="convention-etat", referential=REG, expected="CONVENTION-IAE", also=(),
         title="Convention ACI 2025-2027 signée", text="""
Convention de l'atelier et chantier d'insertion — années 2025 à 2027
Entre l'État, représenté par le préfet du département et par délégation la directrice
départementale de l'emploi, du travail et des solidarités, et l'association Les Jardins du Val.
Après avis du conseil départemental de l'insertion par l'activité économique, l'État conclut
la présente convention pour trois ans.
Objet : mise en situation de travail de personnes rencontrant des difficultés sociales et
professionnelles particulières ; nombre de postes d'insertion financés : 18 équivalents temps
plein.
Objectifs de résultats : sorties dynamiques, accompagnement, formation. Un dialogue de gestion
annuel examine les résultats. Annexes financières jointes.
"""),
    dict(key="certificat-qualiopi", referential=REG, expected="QUALIOPI", also=("QUALIOPI-SURV",),
         title="Certificat Qualiopi organisme", text="""
Certificat
L'organisme certificateur atteste que l'organisme de formation Les Jardins du Val Formation,
numéro de déclaration d'activité 52 44 09999 44, a été audité et répond aux exigences du
référentiel national qualité mentionné à l'article L. 6316-3 du code du travail.
Catégorie d'actions : actions de formation.
Date de l'audit initial : 15/01/2025. Certificat valable jusqu'au 14/01/2028, sous réserve du
résultat favorable de l'audit de surveillance.
La marque qualité peut être utilisée sur les supports de communication de l'organisme, pour
les seules catégories certifiées. Les financements publics ou mutualisés des actions sont
conditionnés à cette certification.
"""),
    dict(key="livret-accueil", referential=CEDRE, expected="T1", also=(),
         title="Livret d'accueil salarié", text="""
Bienvenue aux Jardins du Val !
Ce livret vous accompagne pendant vos premières semaines parmi nous.
Votre premier jour : accueil par la conseillère en insertion et par votre encadrant, visite
des locaux et du chantier, remise de vos équipements de protection, présentation de votre
équipe.
Pendant la première semaine : explication des consignes de sécurité, du règlement intérieur et
des horaires ; vous travaillez en binôme avec un collègue expérimenté.
Après un mois : entretien pour faire le point sur votre intégration dans l'équipe et au poste.
Vos interlocuteurs, les numéros utiles, vos droits (mutuelle, formation, transport) et le
fonctionnement de la paie sont présentés en fin de livret.
"""),
    dict(key="bilan-etape-parcours", referential=CEDRE, expected="T2", also=("T4.3", "T3"),
         title="Bilan intermédiaire parcours - M. K.", text="""
Bilan intermédiaire à six mois — salarié en parcours M. K.
Situation à l'entrée : pas d'expérience récente, projet professionnel flou, pas de permis.
Axes de progrès fixés à l'entrée : ponctualité, autonomie au poste, définir un projet dans le
bâtiment, passer le code de la route.
Évaluation : ponctualité acquise, autonomie en progression, stage d'immersion de deux semaines
en entreprise de plâtrerie réalisé avec une appréciation positive ; code de la route obtenu.
Étapes suivantes : formation pré-qualifiante en septembre, préparation des candidatures, bilan
de sortie prévu à la fin du contrat.
Bilan réalisé conjointement par la conseillère, l'encadrant et le salarié, qui l'a signé.
"""),
    dict(key="contrat-engagement", referential=CEDRE, expected="T3", also=("T4",),
         title="Contrat engagement réciproque signé", text="""
Contrat d'engagement réciproque entre le salarié en parcours et la structure
Le salarié s'engage à : être présent et ponctuel, participer aux entretiens d'accompagnement,
suivre les formations proposées, respecter les règles de sécurité.
La structure s'engage à : lui confier un poste de travail encadré, l'accompagner dans ses
démarches (logement, santé, mobilité), lui proposer au moins une formation pendant le contrat,
l'aider à construire son projet professionnel.
Objectifs convenus ensemble : obtenir le permis B, découvrir deux métiers de la logistique.
Ce contrat est relu à chaque bilan et peut être modifié par avenant.
Fait en deux exemplaires, signé par le salarié et la directrice le 2 juin 2025.
"""),
    dict(key="plan-formation-parcours", referential=CEDRE, expected="T4.1", also=("T4",),
         title="Plan de formation salariés en insertion 2025", text="""
Plan de formation des salariés en insertion — 2025
Formations collectives : hygiène et sécurité (tous les nouveaux), gestes et postures, savoirs
de base et français langue étrangère (deux groupes), certificat de sauveteur secouriste.
Formations individuelles : permis B (4 salariés), CACES (3), titre professionnel agent de
propreté (2), habilitation électrique (1).
Formations en situation de travail : parcours AFEST sur le poste de tri, avec un tuteur et des
séquences réflexives.
Financement : OPCO, fonds départemental, budget propre. Chaque formation suivie est attestée et
inscrite dans le dossier du salarié. Bilan : 46 départs en formation prévus pour 60 salariés.
"""),
    dict(key="entretiens-accompagnement", referential=CEDRE, expected="T4.3", also=("T2",),
         title="Suivi socio-pro CIP", text="""
Compte rendu d'entretien individuel d'accompagnement socioprofessionnel
Conseillère en insertion professionnelle : Mme Petit. Salariée : Mme R.
Freins abordés : garde d'enfants le mercredi, dette de loyer, problème de santé (lombalgies).
Démarches : dossier de crèche municipale déposé, orientation vers l'assistante sociale du
département pour un plan d'apurement, rendez-vous avec le médecin du travail demandé.
Emploi : deux offres d'agent de service repérées, lettre de motivation rédigée ensemble,
inscription à un job dating en mai.
Fiche de liaison envoyée à la référente RSA. Prochain entretien dans trois semaines.
"""),
    dict(key="releves-heures", referential=CEDRE, expected="T4.4", also=(),
         title="Planning et relevé d'heures avril", text="""
Planning hebdomadaire et relevé des heures travaillées — avril 2025, équipe espaces verts
Contrats de travail : CDDI de 26 heures par semaine pour les sept salariés de l'équipe.
Planning : lundi à jeudi de 8 h à 15 h, pause de 30 minutes ; le vendredi est réservé aux
entretiens et aux formations, rémunérés.
Heures réalisées : 724 heures sur le mois, 12 heures d'absence justifiée, 6 heures
supplémentaires récupérées.
Les relevés sont signés par l'encadrant et transmis au service paie ; chaque salarié reçoit son
bulletin de salaire avec le détail des heures.
"""),
    dict(key="pv-assemblee-generale", referential=ESS, expected="1", also=("AG", "2"),
         title="PV AG ordinaire 2025", text="""
Procès-verbal de l'assemblée générale ordinaire du 14 juin 2025
Présents ou représentés : 46 adhérents sur 61, le quorum est atteint.
Rapport moral présenté par la présidente, rapport d'activité, rapport financier et rapport du
commissaire aux comptes.
Votes : rapport moral adopté à l'unanimité ; comptes approuvés (44 pour, 2 abstentions) ;
affectation du résultat adoptée.
Renouvellement du conseil d'administration : quatre mandats arrivaient à échéance ; trois
administrateurs sortants sont réélus, une nouvelle administratrice, salariée en parcours en
2022, est élue.
Les statuts et le règlement intérieur sont rappelés en annexe ; chaque adhérent dispose d'une
voix.
"""),
    dict(key="rapport-egalite", referential=ESS, expected="6", also=(),
         title="Rapport égalité pro 2025", text="""
Égalité professionnelle entre les femmes et les hommes — bilan 2025
Effectifs : 42 % de femmes parmi les salariés en parcours, 30 % parmi les encadrants, 50 % au
conseil d'administration.
Rémunérations : écart moyen de 2 % entre femmes et hommes à poste égal, expliqué par
l'ancienneté.
Recrutement : les offres d'emploi sont rédigées de façon neutre ; les entretiens sont conduits
à deux ; les candidatures sont examinées sans photo ni adresse.
Actions : découverte des métiers du bâtiment pour les femmes, sensibilisation des encadrants
aux stéréotypes et aux discriminations, aménagement des vestiaires.
Index publié et communiqué au CSE.
"""),
    dict(key="rapport-guide-ag", referential=ESS, expected="AG", also=("1",),
         title="Rapport annuel guide bonnes pratiques", text="""
Rapport présenté à l'assemblée générale sur l'application du guide des bonnes pratiques des
entreprises de l'économie sociale et solidaire
Comme chaque année, le conseil d'administration rend compte aux adhérents des pratiques de
l'association au regard du guide.
Thèmes examinés : gouvernance, concertation dans la stratégie, ancrage territorial, politique
salariale, lien avec les usagers, égalité, développement durable, éthique.
Avancées de l'année : création d'un comité des salariés en parcours, charte éthique adoptée.
Points à améliorer : renouvellement des administrateurs, mesure de notre empreinte carbone.
Ce rapport est annexé au procès-verbal de l'assemblée et sera suivi l'an prochain.
"""),
    dict(key="bilan-carbone", referential=ESS, expected="7", also=(),
         title="Plan d'actions environnement", text="""
Plan d'actions environnement 2025-2027
Bilan des émissions de gaz à effet de serre réalisé en 2024 : 212 tonnes équivalent CO2, dont
48 % liées aux déplacements des véhicules et 30 % aux achats.
Axes : réduire les consommations d'énergie des locaux (isolation, éclairage LED), optimiser les
tournées des véhicules, remplacer un fourgon par un véhicule électrique, trier et valoriser
les déchets de chantier, développer le réemploi des matériaux à la ressourcerie.
Indicateurs : litres de carburant par heure de production, tonnes de déchets valorisées, part
des objets réemployés.
Les salariés sont associés à la transition écologique par un défi « zéro déchet ».
"""),
    dict(key="charte-ethique", referential=ESS, expected="8", also=(),
         title="Charte éthique", text="""
Charte éthique et de déontologie de l'association
Principes : intégrité, transparence de la gestion, respect des personnes accompagnées et de
leur vie privée.
Conflits d'intérêts : tout administrateur ou salarié qui a un intérêt personnel dans une
décision (fournisseur, embauche d'un proche) le déclare et ne prend pas part au vote ; un
registre des déclarations est tenu par le secrétaire.
Cadeaux : aucun cadeau d'une valeur supérieure à 30 euros n'est accepté.
Données personnelles : les informations des salariés en parcours ne sont partagées qu'avec leur
accord et avec les partenaires utiles à leur accompagnement.
Adoptée par le conseil d'administration du 3 mars 2025.
"""),
    dict(key="plan-action-lucie", referential=LUCIE, expected="LUCIE-PA", also=(),
         title="Plan d'engagements RSE 2025-2028", text="""
Plan d'engagements de progrès RSE — cycle de labellisation 2025-2028
À l'issue de l'évaluation sur site et de la consultation de nos parties prenantes (salariés,
clients, collectivités, fournisseurs), nous prenons douze engagements de progrès répartis sur
quatre ans.
Exemples : formaliser une politique d'achats responsables (année 1), réduire de 15 % nos
émissions liées aux véhicules (année 2), créer une instance de dialogue avec les riverains
(année 2), publier un rapport de responsabilité sociétale (année 3).
Le plan a été présenté au comité de labellisation qui l'a validé le 20 mai 2025. Un point
d'avancement est réalisé chaque année avec l'évaluateur.
"""),
    dict(key="suivi-dechets", referential=LUCIE, expected="6.5", also=(),
         title="Suivi des déchets et de la valorisation", text="""
Suivi annuel des déchets et de leur valorisation — ressourcerie et chantiers
Tonnages collectés : 310 tonnes d'objets et de textiles ; 62 % réemployés ou vendus, 28 %
recyclés, 10 % éliminés.
Déchets verts des chantiers : 140 tonnes compostées sur la plateforme de la communauté de
communes.
Pollutions évitées : récupération des huiles et des batteries, produits d'entretien
écolabellisés, suppression des produits phytosanitaires.
Ressources : consommation d'eau de l'atelier réduite grâce à la récupération d'eau de pluie.
Plan de mobilité : covoiturage organisé pour les salariés, deux vélos électriques de service.
"""),
    dict(key="autoevaluation-cap", referential=CAP, expected="PP", also=("4",),
         title="Plan de progrès CAP", text="""
Plan de progrès issu de l'autoévaluation CAP — avril 2025
L'équipe de direction, deux encadrants, une conseillère et deux administrateurs ont conduit
l'autoévaluation avec l'outil du réseau, sur les quatre piliers : identité, services rendus,
supports, amélioration continue.
Actions de progrès retenues : formaliser le projet associatif (pilier identité), mesurer la
satisfaction des personnes accompagnées (services rendus), mettre à jour les fiches de poste
(supports), suivre des indicateurs d'utilité sociale (amélioration continue).
Tableau de suivi : porteur, échéance, état d'avancement. La restitution aux équipes a eu lieu
le 28 avril ; le plan sera revu tous les six mois.
"""),
]
